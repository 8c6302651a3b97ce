//! Entra ID groups ([`GroupStore`]): the groups, their hand-added members, and the rounds that
//! bring dynamic groups' members in line with their rules.

use async_trait::async_trait;
use autopilot_domain::{
    AddMember, DirectoryDevice, Group, GroupPatch, GroupStore, GroupWrite, MemberKind, Page,
    PageRequest, StoreError, TenantId,
};
use autopilot_odata::entity;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::directory::{self, DIRECTORY_DEVICES};
use crate::lower::{Collection, Table};
use crate::sql::{Exec, Record, Sql};
use crate::sql_store::{Backend, INSERT_CHUNK, SqlStore, Tx as _, id_text, parse_id, with_id};
use crate::time_codec::{from_micros, to_micros};

/// Groups as queries see them: `directory_groups g`.
pub(crate) const GROUPS: Table = Table {
    entity: &entity::GROUP,
    alias: "g",
    id: "g.id",
    tenant: "g.tenant",
    expressions: &[],
    substring_indexes: &[],
    collections: &[Collection {
        property: "groupTypes",
        table: "directory_group_types",
        owner: "owner",
    }],
};

const SELECT: &str = "SELECT g.id, g.display_name, g.description, g.mail_nickname, \
     g.mail_enabled, g.security_enabled, g.membership_rule, g.processing_state, g.created_at, \
     g.rule_processed_at";
const SELECT_COLUMNS: usize = 10;
const FROM: &str = " FROM directory_groups g WHERE g.tenant = ";

fn from_row(row: &Record) -> Result<Group, StoreError> {
    debug_assert_eq!(SELECT.matches(", ").count() + 1, SELECT_COLUMNS);
    Ok(Group {
        id: parse_id(&row.text(0)?)?,
        display_name: row.text(1)?,
        description: row.opt_text(2)?,
        mail_nickname: row.text(3)?,
        mail_enabled: row.int(4)? != 0,
        security_enabled: row.int(5)? != 0,
        membership_rule: row.opt_text(6)?,
        processing_state: row.opt_text(7)?,
        created_at: from_micros(row.int(8)?),
        rule_processed_at: row.opt_int(9)?.map(from_micros),
        group_types: Vec::new(),
    })
}

/// Fills in the group types of some groups, in one statement.
async fn with_types(
    db: &mut impl Exec,
    tenant: &TenantId,
    groups: &mut [Group],
) -> Result<(), StoreError> {
    crate::sql_store::fill_collection(db, "directory_group_types", "owner", tenant, groups, |g| {
        (g.id, &mut g.group_types)
    })
    .await
}

fn scope(tenant: &TenantId) -> impl Fn(&mut Sql) + Sync {
    crate::sql_store::tenant_scope(FROM, tenant)
}

/// `FROM` the device objects that are members of `group`.
fn members_scope(tenant: &TenantId, group: Uuid) -> impl Fn(&mut Sql) + Sync {
    let (tenant, group) = (tenant.as_str().to_owned(), id_text(group));
    move |qb: &mut Sql| {
        qb.push(" FROM directory_devices e WHERE e.tenant = ")
            .bind(tenant.as_str());
        qb.push(" AND e.id IN (SELECT member_id FROM group_members WHERE tenant = ")
            .bind(tenant.as_str())
            .push(" AND group_id = ")
            .bind(group.as_str())
            .push(")");
    }
}

/// Marks a tenant's dynamic groups due as of `now` (keeping an earlier mark).
pub(crate) async fn touch_dynamic(
    tx: &mut impl Exec,
    tenant: &str,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    tx.exec(&Sql::with(
        "UPDATE directory_groups SET dirty_since = coalesce(dirty_since, $2) \
         WHERE tenant = $1 AND membership_rule IS NOT NULL",
        vec![tenant.into(), to_micros(now).into()],
    ))
    .await?;
    Ok(())
}

/// Removes a directory object from every group (it is being deleted).
pub(crate) async fn forget_member(
    tx: &mut impl Exec,
    tenant: &TenantId,
    member: &str,
) -> Result<(), StoreError> {
    tx.exec(&Sql::with(
        "DELETE FROM group_members WHERE tenant = $1 AND member_id = $2",
        vec![tenant.as_str().into(), member.into()],
    ))
    .await?;
    Ok(())
}

/// The first of `devices` that is not a device object of the tenant.
async fn missing_device(
    tx: &mut impl Exec,
    tenant: &TenantId,
    devices: &[Uuid],
) -> Result<Option<Uuid>, StoreError> {
    for id in devices {
        let found = tx
            .row(&Sql::with(
                "SELECT 1 FROM directory_devices WHERE tenant = $1 AND id = $2",
                vec![tenant.as_str().into(), id_text(*id).into()],
            ))
            .await?;
        if found.is_none() {
            return Ok(Some(*id));
        }
    }
    Ok(None)
}

/// Adds assigned (not rule-made) device members; one already there stays as it is.
async fn insert_members(
    tx: &mut impl Exec,
    tenant: &TenantId,
    group: Uuid,
    members: &[Uuid],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    if members.is_empty() {
        return Ok(());
    }
    let mut insert = Sql::new(
        "INSERT INTO group_members (tenant, group_id, member_id, kind, dynamic, joined_at) ",
    );
    insert.values(members, |row, member| {
        row.bind(tenant.as_str())
            .bind(id_text(group))
            .bind(id_text(*member))
            .bind(MemberKind::Device.code())
            .bind(0_i64)
            .bind(to_micros(now));
    });
    insert.push(" ON CONFLICT DO NOTHING");
    tx.exec(&insert).await?;
    Ok(())
}

async fn insert_types(
    tx: &mut impl Exec,
    tenant: &TenantId,
    group: Uuid,
    types: &[String],
) -> Result<(), StoreError> {
    if types.is_empty() {
        return Ok(());
    }
    let mut insert =
        Sql::new("INSERT INTO directory_group_types (tenant, owner, position, value) ");
    insert.values(types.iter().enumerate(), |row, (i, t)| {
        row.bind(tenant.as_str())
            .bind(id_text(group))
            .bind(i64::try_from(i).unwrap_or(i64::MAX))
            .bind(t.as_str());
    });
    tx.exec(&insert).await?;
    Ok(())
}

#[async_trait]
impl<B: Backend> GroupStore for SqlStore<B> {
    async fn create_group(
        &self,
        tenant: &TenantId,
        group: &Group,
        members: &[Uuid],
    ) -> Result<GroupWrite, StoreError> {
        let mut tx = self.backend.write().await?;
        if let Some(missing) = missing_device(&mut tx, tenant, members).await? {
            return Ok(GroupWrite::NoMember(missing));
        }
        let dirty = group.is_dynamic().then(|| to_micros(group.created_at));
        tx.exec(&Sql::with(
            "INSERT INTO directory_groups (tenant, id, display_name, description, mail_nickname, \
             mail_enabled, security_enabled, membership_rule, processing_state, created_at, \
             rule_processed_at, dirty_since) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)",
            vec![
                tenant.as_str().into(),
                id_text(group.id).into(),
                group.display_name.as_str().into(),
                group.description.clone().into(),
                group.mail_nickname.as_str().into(),
                i64::from(group.mail_enabled).into(),
                i64::from(group.security_enabled).into(),
                group.membership_rule.clone().into(),
                group.processing_state.clone().into(),
                to_micros(group.created_at).into(),
                dirty.into(),
            ],
        ))
        .await?;
        insert_types(&mut tx, tenant, group.id, &group.group_types).await?;
        insert_members(&mut tx, tenant, group.id, members, group.created_at).await?;
        tx.commit().await?;
        Ok(GroupWrite::Done)
    }

    async fn get_group(&self, tenant: &TenantId, id: Uuid) -> Result<Option<Group>, StoreError> {
        let mut db = self.backend.pool();
        let row = db
            .row(&Sql::with(
                &format!("{SELECT}{FROM}$1 AND g.id = $2"),
                vec![tenant.as_str().into(), id_text(id).into()],
            ))
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut found = [from_row(&row)?];
        with_types(&mut db, tenant, &mut found).await?;
        let [group] = found;
        Ok(Some(group))
    }

    async fn list_groups(
        &self,
        tenant: &TenantId,
        page: PageRequest,
    ) -> Result<Page<Group>, StoreError> {
        let mut db = self.backend.pool();
        let mut page = crate::listing::page(
            &mut db,
            B::DIALECT,
            SELECT,
            SELECT_COLUMNS,
            &GROUPS,
            &scope(tenant),
            &page,
            with_id(from_row, |g| g.id),
        )
        .await?;
        with_types(&mut db, tenant, &mut page.items).await?;
        Ok(page)
    }

    async fn count_groups(
        &self,
        tenant: &TenantId,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        let mut db = self.backend.pool();
        crate::listing::count(&mut db, B::DIALECT, &GROUPS, &scope(tenant), filter).await
    }

    async fn update_group(
        &self,
        tenant: &TenantId,
        id: Uuid,
        patch: &GroupPatch,
        now: OffsetDateTime,
        members: &[Uuid],
    ) -> Result<GroupWrite, StoreError> {
        let mut qb = Sql::new("UPDATE directory_groups SET tenant = tenant");
        if let Some(v) = &patch.display_name {
            qb.push(", display_name = ").bind(v.as_str());
        }
        if let Some(v) = &patch.description {
            qb.push(", description = ").bind(v.clone());
        }
        if let Some(v) = &patch.mail_nickname {
            qb.push(", mail_nickname = ").bind(v.as_str());
        }
        if let Some(v) = &patch.membership_rule {
            qb.push(", membership_rule = ").bind(v.as_str());
        }
        if let Some(v) = &patch.processing_state {
            qb.push(", processing_state = ").bind(v.as_str());
        }
        if patch.membership_rule.is_some() || patch.processing_state.is_some() {
            qb.push(", dirty_since = coalesce(dirty_since, ")
                .bind(to_micros(now))
                .push(")");
        }
        qb.push(" WHERE tenant = ").bind(tenant.as_str());
        qb.push(" AND id = ").bind(id_text(id));
        let mut tx = self.backend.write().await?;
        if let Some(missing) = missing_device(&mut tx, tenant, members).await? {
            return Ok(GroupWrite::NoMember(missing));
        }
        if tx.exec(&qb).await? == 0 {
            return Ok(GroupWrite::NoGroup);
        }
        insert_members(&mut tx, tenant, id, members, now).await?;
        tx.commit().await?;
        Ok(GroupWrite::Done)
    }

    async fn delete_group(&self, tenant: &TenantId, id: Uuid) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let args = || vec![tenant.as_str().into(), id_text(id).into()];
        // The group's row first: on PostgreSQL that waits for a membership round holding it,
        // so the members that round wrote are there to delete, and the locks come in the
        // round's order.
        let deleted = tx
            .exec(&Sql::with(
                "DELETE FROM directory_groups WHERE tenant = $1 AND id = $2",
                args(),
            ))
            .await?;
        for statement in [
            "DELETE FROM group_members WHERE tenant = $1 AND (group_id = $2 OR member_id = $2)",
            "DELETE FROM directory_group_types WHERE tenant = $1 AND owner = $2",
        ] {
            tx.exec(&Sql::with(statement, args())).await?;
        }
        tx.commit().await?;
        Ok(deleted > 0)
    }

    async fn add_member(
        &self,
        tenant: &TenantId,
        group: Uuid,
        member: Uuid,
        kind: MemberKind,
        now: OffsetDateTime,
    ) -> Result<AddMember, StoreError> {
        let mut tx = self.backend.write().await?;
        let exists = |table: &str, id: Uuid| {
            Sql::with(
                &format!("SELECT 1 FROM {table} WHERE tenant = $1 AND id = $2"),
                vec![tenant.as_str().into(), id_text(id).into()],
            )
        };
        if tx.row(&exists("directory_groups", group)).await?.is_none() {
            return Ok(AddMember::NoGroup);
        }
        let table = match kind {
            MemberKind::Device => "directory_devices",
            MemberKind::Group => "directory_groups",
            MemberKind::User => return Ok(AddMember::NoMember),
        };
        if tx.row(&exists(table, member)).await?.is_none() {
            return Ok(AddMember::NoMember);
        }
        let mut insert = Sql::new(
            "INSERT INTO group_members (tenant, group_id, member_id, kind, dynamic, joined_at) ",
        );
        insert.values([()], |row, ()| {
            row.bind(tenant.as_str())
                .bind(id_text(group))
                .bind(id_text(member))
                .bind(kind.code())
                .bind(0_i64)
                .bind(to_micros(now));
        });
        insert.push(" ON CONFLICT DO NOTHING");
        let added = tx.exec(&insert).await?;
        tx.commit().await?;
        Ok(if added > 0 {
            AddMember::Added
        } else {
            AddMember::AlreadyMember
        })
    }

    async fn remove_member(
        &self,
        tenant: &TenantId,
        group: Uuid,
        member: Uuid,
    ) -> Result<bool, StoreError> {
        let mut tx = self.backend.write().await?;
        let removed = tx
            .exec(&Sql::with(
                "DELETE FROM group_members WHERE tenant = $1 AND group_id = $2 AND member_id = $3",
                vec![
                    tenant.as_str().into(),
                    id_text(group).into(),
                    id_text(member).into(),
                ],
            ))
            .await?;
        tx.commit().await?;
        Ok(removed > 0)
    }

    async fn list_member_devices(
        &self,
        tenant: &TenantId,
        group: Uuid,
        page: PageRequest,
    ) -> Result<Page<DirectoryDevice>, StoreError> {
        let scope = members_scope(tenant, group);
        let mut db = self.backend.pool();
        let mut page = crate::listing::page(
            &mut db,
            B::DIALECT,
            directory::SELECT,
            directory::SELECT_COLUMNS,
            &DIRECTORY_DEVICES,
            &scope,
            &page,
            with_id(directory::from_row, |d| d.id),
        )
        .await?;
        directory::with_physical_ids(&mut db, tenant, &mut page.items).await?;
        Ok(page)
    }

    async fn count_member_devices(
        &self,
        tenant: &TenantId,
        group: Uuid,
        filter: Option<&autopilot_odata::Expr>,
    ) -> Result<u64, StoreError> {
        let mut db = self.backend.pool();
        let scope = members_scope(tenant, group);
        crate::listing::count(&mut db, B::DIALECT, &DIRECTORY_DEVICES, &scope, filter).await
    }

    async fn member_of(&self, tenant: &TenantId, member: Uuid) -> Result<Vec<Group>, StoreError> {
        let mut db = self.backend.pool();
        let rows = db
            .rows(&Sql::with(
                &format!(
                    "{SELECT}{FROM}$1 AND g.id IN \
                     (SELECT group_id FROM group_members WHERE tenant = $1 AND member_id = $2) \
                     ORDER BY g.id"
                ),
                vec![tenant.as_str().into(), id_text(member).into()],
            ))
            .await?;
        let mut groups = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        with_types(&mut db, tenant, &mut groups).await?;
        Ok(groups)
    }

    async fn groups_of_autopilot_devices(
        &self,
        tenant: &TenantId,
        autopilot_ids: &[Uuid],
    ) -> Result<Vec<(Uuid, Uuid, OffsetDateTime)>, StoreError> {
        let mut out = Vec::new();
        for chunk in autopilot_ids.chunks(INSERT_CHUNK * 5) {
            let mut qb = Sql::new(
                "SELECT e.autopilot_id, m.group_id, m.joined_at FROM group_members m \
                 JOIN directory_devices e ON e.tenant = m.tenant AND e.id = m.member_id \
                 JOIN directory_groups g ON g.tenant = m.tenant AND g.id = m.group_id \
                 WHERE m.tenant = ",
            );
            qb.bind(tenant.as_str()).push(" AND e.autopilot_id IN (");
            for (i, id) in chunk.iter().enumerate() {
                if i > 0 {
                    qb.push(", ");
                }
                qb.bind(id_text(*id));
            }
            qb.push(")");
            for row in self.backend.pool().rows(&qb).await? {
                out.push((
                    parse_id(&row.text(0)?)?,
                    parse_id(&row.text(1)?)?,
                    from_micros(row.int(2)?),
                ));
            }
        }
        Ok(out)
    }

    async fn devices_changed(
        &self,
        tenant: &TenantId,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.backend.write().await?;
        touch_dynamic(&mut tx, tenant.as_str(), now).await?;
        tx.commit().await
    }

    async fn process_memberships(
        &self,
        now: OffsetDateTime,
        delay: time::Duration,
        limit: u32,
    ) -> Result<usize, StoreError> {
        let mut tx = self.backend.write().await?;
        let evaluated = crate::memberships::round(&mut tx, B::DIALECT, now, delay, limit).await?;
        tx.commit().await?;
        Ok(evaluated)
    }

    async fn next_membership_change(&self) -> Result<Option<OffsetDateTime>, StoreError> {
        let row = self
            .backend
            .pool()
            .row(&Sql::new(
                "SELECT min(dirty_since) FROM directory_groups \
                 WHERE processing_state = 'On' AND membership_rule IS NOT NULL",
            ))
            .await?;
        Ok(row
            .map(|r| r.opt_int(0))
            .transpose()?
            .flatten()
            .map(from_micros))
    }
}
