//! What the batch audit holds of one chunk of candidates, whichever way it was read: the
//! candidates in id order with ranges into their majors, score rows and exemptions, each row a
//! few bytes with its course interned across the run's compiled plans.

use std::collections::HashMap;
use std::ops::Range;

use domain::graduation::CompiledPlan;
use domain::{ExemptionMode, ScoreSource};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::graduation::plan_of;
use crate::repo::{RepoError, reference};

/// Index of a course code among the codes of every plan compiled in this run.
pub(super) type CodeId = u32;

/// One score row, its course interned across plans.
#[derive(Debug, Clone, Copy)]
pub(super) struct ScoreRow {
    pub code: CodeId,
    pub passed: bool,
    pub source: ScoreSource,
}

/// One exemption, its course interned across plans.
#[derive(Debug, Clone, Copy)]
pub(super) struct ExemptionRow {
    pub code: CodeId,
    pub mode: ExemptionMode,
    pub form_present: bool,
}

/// A compiled plan, and where each run-wide code lands in it.
pub(super) struct PlanEntry {
    pub compiled: CompiledPlan,
    /// Plan index of each [`CodeId`] (`NOT_IN_PLAN` for codes of other plans), so a row is
    /// translated by one array read instead of a hash lookup per plan.
    pub local: Vec<u16>,
}

/// Every plan the run has met, compiled once, and the union of their course codes.
#[derive(Default)]
pub(super) struct Plans {
    ids: HashMap<String, CodeId>,
    codes: Vec<String>,
    plans: HashMap<i64, PlanEntry>,
}

impl Plans {
    /// Compiles the plan of `major_id` unless it already was.
    pub async fn ensure<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        major_id: i64,
    ) -> Result<(), RepoError> {
        if self.plans.contains_key(&major_id) {
            return Ok(());
        }
        let major = reference::major(conn, major_id).await?;
        let plan = plan_of(conn, &major).await?;
        let compiled = CompiledPlan::new(&plan)
            .map_err(|e| RepoError::Invalid(format!("专业“{}”：{e}", major.name)))?;
        for code in (0..u16::MAX).map_while(|i| compiled.code(i)) {
            if !self.ids.contains_key(code) {
                let id = CodeId::try_from(self.codes.len()).unwrap_or(CodeId::MAX);
                self.ids.insert(code.to_owned(), id);
                self.codes.push(code.to_owned());
            }
        }
        self.plans.insert(
            major_id,
            PlanEntry {
                compiled,
                local: Vec::new(),
            },
        );
        Ok(())
    }

    /// The run-wide id of `code`, if some compiled plan names it; rows of other courses cannot
    /// change any verdict.
    pub fn id(&self, code: &str) -> Option<CodeId> {
        self.ids.get(code).copied()
    }

    /// The compiled plan of `major_id` with its translation covering every code so far.
    pub fn get(&mut self, major_id: i64) -> Option<&PlanEntry> {
        let entry = self.plans.get_mut(&major_id)?;
        for code in self.codes.iter().skip(entry.local.len()) {
            entry.local.push(entry.compiled.index_of(code));
        }
        Some(entry)
    }
}

/// One candidate of a chunk, with ranges into the chunk's majors, scores and exemptions.
#[derive(Debug, Clone)]
pub(super) struct Slot {
    pub id: i64,
    pub legal_block: bool,
    pub majors: Range<u32>,
    pub scores: Range<u32>,
    pub exemptions: Range<u32>,
}

/// Consecutive candidates of the province and everything the audit reads about them.
pub(super) struct Chunk {
    /// The chunk answers for candidate ids above this one…
    pub after: i64,
    /// …up to and including this one (`i64::MAX` for the last chunk), whether or not a
    /// candidate of the province has that id: previous results in the range are replaced.
    pub through: i64,
    pub candidates: Vec<Slot>,
    pub majors: Vec<i64>,
    pub scores: Vec<ScoreRow>,
    pub exemptions: Vec<ExemptionRow>,
    /// Score rows of the chunk's candidates read, including rows of courses in no compiled plan.
    pub rows_read: u64,
}

impl Chunk {
    /// Whether no candidate follows.
    pub fn is_last(&self) -> bool {
        self.through == i64::MAX
    }
}

/// Files a chunk's rows, which come in candidate order, under their candidates: one merge pass
/// over the rows and the chunk's candidates. Rows of candidates not in the chunk (other
/// provinces' candidates within its id range) are dropped, and so are rows without an item.
pub(super) struct Filer<'a, T> {
    candidates: &'a mut [Slot],
    field: fn(&mut Slot) -> &mut Range<u32>,
    out: &'a mut Vec<T>,
    /// Where the merge stands among the candidates.
    k: usize,
    /// Rows that belong to the chunk's candidates, with an item or not.
    pub belonging: u64,
}

impl<'a, T> Filer<'a, T> {
    /// Files items into `out`, each candidate's range kept in the field `field` picks.
    pub fn new(
        candidates: &'a mut [Slot],
        field: fn(&mut Slot) -> &mut Range<u32>,
        out: &'a mut Vec<T>,
    ) -> Self {
        Self {
            candidates,
            field,
            out,
            k: 0,
            belonging: 0,
        }
    }

    /// Files the next row, of candidate `candidate`.
    pub fn file(&mut self, candidate: i64, item: Option<T>) -> Result<(), RepoError> {
        while self
            .candidates
            .get(self.k)
            .is_some_and(|s| s.id < candidate)
        {
            self.k += 1;
        }
        let Some(slot) = self
            .candidates
            .get_mut(self.k)
            .filter(|s| s.id == candidate)
        else {
            return Ok(());
        };
        self.belonging += 1;
        let Some(item) = item else {
            return Ok(());
        };
        let at = u32::try_from(self.out.len())
            .map_err(|_| RepoError::Invalid("一个批次块的记录过多".to_owned()))?;
        let range = (self.field)(slot);
        // A candidate's rows are contiguous, so a range only ever grows at its end.
        if range.end != at {
            range.start = at;
        }
        range.end = at + 1;
        self.out.push(item);
        Ok(())
    }
}

/// `sql` with `?` placeholders, numbered for PostgreSQL.
pub(super) fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend != DbBackend::Postgres {
        return Statement::from_sql_and_values(backend, sql, values);
    }
    let mut numbered = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            numbered.push('$');
            numbered.push_str(&n.to_string());
        } else {
            numbered.push(c);
        }
    }
    Statement::from_sql_and_values(backend, numbered, values)
}
