//! Progress of an import: a bar on a terminal, plain lines otherwise (CI logs, pipes).

use std::io::IsTerminal as _;
use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Imported, registered and failed counts, shown as they change.
#[derive(Debug)]
pub struct Progress {
    bar: Option<ProgressBar>,
    total: u64,
    state: Mutex<(usize, usize, usize)>,
}

impl Progress {
    pub fn new(total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:32} {pos}/{len} decided  {msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            state: Mutex::new((0, 0, 0)),
        }
    }

    fn show(&self, change: impl FnOnce(&mut (usize, usize, usize))) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let before = *state;
        change(&mut state);
        let (imported, registered, failed) = *state;
        if *state == before {
            return;
        }
        let text = format!("imported {imported}, registered {registered}, failed {failed}");
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::try_from(registered + failed).unwrap_or(u64::MAX));
                bar.set_message(text);
            }
            None => crate::output::error_line(&format!("{text} (of {})", self.total)),
        }
    }

    pub fn imported(&self, n: usize) {
        self.show(|s| s.0 = n);
    }

    pub fn failed(&self, n: usize) {
        self.show(|s| s.2 = n);
    }

    pub fn decided(&self, registered: usize, failed: usize) {
        self.show(|s| {
            s.1 = registered;
            s.2 = failed;
        });
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
