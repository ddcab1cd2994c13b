//! The aligner: pairs the stages and instructions of what the manifest renders with the file on
//! disk, and turns each pair that differs into a [`Change`] explained by the practice rules.

use std::collections::{HashMap, VecDeque};

use super::facts::{self, Facts};
use super::formatting::Formatting;
use super::lcs;
use super::model::{Dockerfile, Instruction, Stage};
use super::report::{
    Change, ChangeKind, DockerfileDiff, Explanation, FormattingKind, InstructionRef, StageDiff,
};
use super::rules::{self, DRIFT_RULE, RuleCtx};
use super::words::truncate;

/// Compares what the manifest renders (`expected`) with the file on disk (`actual`).
///
/// Stages are matched by name, else by position among the unnamed ones; instructions by an
/// alignment of their normalized forms (where RUN weighs more than COPY, and COPY more than
/// the rest, so that on a swap the lighter instruction is the one reported as moved).
pub fn diff(expected: &Dockerfile, actual: &Dockerfile) -> DockerfileDiff {
    let mut d = Differ {
        expected,
        actual,
        fe: facts::all(expected),
        fa: facts::all(actual),
        final_chain: final_chain(actual),
        keys: Keys::default(),
        fmt: Formatting::default(),
    };
    let global_end = actual.stages.first().map_or(1, |s| s.from.line_start);
    let global_raw = d.align_body(&expected.preamble, &actual.preamble, global_end);
    let global = global_raw
        .into_iter()
        .map(|r| d.finish(r, None, None, None))
        .collect();
    let stages = d.stages();
    let mut out = DockerfileDiff {
        global,
        stages,
        formatting: Vec::new(),
        problems: actual.problems.clone(),
    };
    let has_changes = out.has_changes();
    d.fmt.file_level(expected, actual, has_changes);
    if !has_changes && d.fmt.is_empty() && expected.layout.fingerprint != actual.layout.fingerprint
    {
        d.fmt.add(FormattingKind::Whitespace, None);
    }
    out.formatting = d.fmt.into_diffs();
    out
}

/// Interns normalized instruction keys as small integers for the alignment.
#[derive(Default)]
struct Keys<'a> {
    ids: HashMap<&'a str, u32>,
    weights: Vec<u32>,
}

impl<'a> Keys<'a> {
    fn id(&mut self, i: &'a Instruction) -> u32 {
        let next = self.weights.len() as u32;
        let weights = &mut self.weights;
        *self.ids.entry(i.normalized()).or_insert_with(|| {
            weights.push(match &*i.keyword {
                "RUN" => 3,
                "COPY" | "ADD" => 2,
                _ => 1,
            });
            next
        })
    }
}

/// A change before its explanations.
struct RawChange<'a> {
    kind: ChangeKind,
    before: Option<&'a Instruction>,
    after: Option<&'a Instruction>,
    after_index: Option<usize>,
    is_from: bool,
    line: usize,
}

struct Differ<'a> {
    expected: &'a Dockerfile,
    actual: &'a Dockerfile,
    fe: Vec<Facts>,
    fa: Vec<Facts>,
    /// The on-disk stages that end up in the image `docker build` produces: the last stage and
    /// the stages it is built `FROM`, transitively.
    final_chain: Vec<usize>,
    keys: Keys<'a>,
    fmt: Formatting,
}

/// The last stage's index and the indices of the stages it is built on, transitively.
fn final_chain(df: &Dockerfile) -> Vec<usize> {
    df.stages
        .len()
        .checked_sub(1)
        .map_or_else(Vec::new, |last| df.chain_from(last))
}

/// The last stage's index and the stages it is built on, transitively (by slice).
fn stage_chain(stages: &[Stage]) -> Vec<usize> {
    let mut chain = Vec::new();
    let Some(mut current) = stages.len().checked_sub(1) else {
        return chain;
    };
    chain.push(current);
    loop {
        let base = stages[current].base().to_ascii_lowercase();
        match stages[..current]
            .iter()
            .rposition(|s| s.name.as_deref() == Some(base.as_str()))
        {
            Some(p) if !chain.contains(&p) => {
                chain.push(p);
                current = p;
            }
            _ => return chain,
        }
    }
}

/// The command the container runs: ENTRYPOINT then CMD (exec words joined), as a key.
fn run_key(f: &Facts) -> Option<String> {
    match (&f.entrypoint, &f.cmd) {
        (Some(e), Some(c)) if e.starts_with("exec:") && c.starts_with("exec:") => {
            Some(format!("{e}\u{1f}{}", &c[5..]))
        }
        (Some(e), _) => Some(e.clone()),
        (None, c) => c.clone(),
    }
}

/// Does the on-disk stage end up with the same effective setting that this rendered
/// instruction makes (inherited from a base stage, or written another way)?
fn same_effect(i: &Instruction, fe: &Facts, fa: &Facts) -> bool {
    match &*i.keyword {
        "WORKDIR" => fe.workdir.is_some() && fe.workdir == fa.workdir,
        "USER" => fe.user == fa.user,
        "EXPOSE" => {
            let want: Vec<String> = i
                .words()
                .iter()
                .map(|p| super::normalize::normalize_port(p))
                .collect();
            !want.is_empty() && want.iter().all(|p| fa.ports.contains(p))
        }
        "CMD" | "ENTRYPOINT" => run_key(fe).is_some() && run_key(fe) == run_key(fa),
        "HEALTHCHECK" => fe.healthcheck.is_some() && fe.healthcheck == fa.healthcheck,
        "ENV" => i.key_values().iter().all(|kv| {
            fa.env(&kv.key) == Some(kv.value.as_deref().unwrap_or(""))
                && fe.env(&kv.key) == fa.env(&kv.key)
        }),
        _ => false,
    }
}

/// COPY and ADD pair with each other as "changed"; other keywords only with themselves.
fn family(keyword: &str) -> &str {
    if keyword == "ADD" { "COPY" } else { keyword }
}

impl<'a> Differ<'a> {
    /// Aligns two instruction lists and classifies what is not aligned.
    fn align_body(
        &mut self,
        exp: &'a [Instruction],
        act: &'a [Instruction],
        end_line: usize,
    ) -> Vec<RawChange<'a>> {
        let ka: Vec<u32> = exp.iter().map(|i| self.keys.id(i)).collect();
        let kb: Vec<u32> = act.iter().map(|i| self.keys.id(i)).collect();
        let weights = &self.keys.weights;
        let pairs = lcs::align(&ka, &kb, &|x| weights.get(x as usize).copied().unwrap_or(1));
        for &(i, j) in &pairs {
            self.fmt
                .instruction(&exp[i], self.expected.escape, &act[j], self.actual.escape);
        }
        let gap_e = |i: usize| pairs.partition_point(|p| p.0 < i);
        let gap_a = |j: usize| pairs.partition_point(|p| p.1 < j);
        let gap_line = |g: usize| match pairs.get(g) {
            Some(&(_, j)) => act[j].line_start,
            None => act.last().map_or(end_line, |i| i.line_end),
        };
        let mut matched_e = vec![false; exp.len()];
        let mut matched_a = vec![false; act.len()];
        for &(i, j) in &pairs {
            matched_e[i] = true;
            matched_a[j] = true;
        }
        let mut out = Vec::new();

        // Moved: the same instruction removed in one place and added in another.
        let mut removed_by_key: HashMap<u32, VecDeque<usize>> = HashMap::new();
        for i in (0..exp.len()).filter(|&i| !matched_e[i]) {
            removed_by_key.entry(ka[i]).or_default().push_back(i);
        }
        for j in 0..act.len() {
            if matched_a[j] {
                continue;
            }
            if let Some(i) = removed_by_key.get_mut(&kb[j]).and_then(VecDeque::pop_front) {
                matched_e[i] = true;
                matched_a[j] = true;
                out.push(RawChange {
                    kind: ChangeKind::Moved,
                    before: Some(&exp[i]),
                    after: Some(&act[j]),
                    after_index: Some(j),
                    is_from: false,
                    line: act[j].line_start,
                });
            }
        }

        // Changed: removed and added in the same gap, same keyword family.
        let mut added_by_gap: HashMap<(usize, &str), VecDeque<usize>> = HashMap::new();
        for j in (0..act.len()).filter(|&j| !matched_a[j]) {
            added_by_gap
                .entry((gap_a(j), family(&act[j].keyword)))
                .or_default()
                .push_back(j);
        }
        for i in 0..exp.len() {
            if matched_e[i] {
                continue;
            }
            let key = (gap_e(i), family(&exp[i].keyword));
            if let Some(j) = added_by_gap.get_mut(&key).and_then(VecDeque::pop_front) {
                matched_e[i] = true;
                matched_a[j] = true;
                out.push(RawChange {
                    kind: ChangeKind::Changed,
                    before: Some(&exp[i]),
                    after: Some(&act[j]),
                    after_index: Some(j),
                    is_from: false,
                    line: act[j].line_start,
                });
            } else {
                matched_e[i] = true;
                out.push(RawChange {
                    kind: ChangeKind::Removed,
                    before: Some(&exp[i]),
                    after: None,
                    after_index: None,
                    is_from: false,
                    line: gap_line(gap_e(i)),
                });
            }
        }
        for j in (0..act.len()).filter(|&j| !matched_a[j]) {
            out.push(RawChange {
                kind: ChangeKind::Added,
                before: None,
                after: Some(&act[j]),
                after_index: Some(j),
                is_from: false,
                line: act[j].line_start,
            });
        }
        out.sort_by_key(|c| (c.line, c.after.map_or(0, |a| a.line_start)));
        out
    }

    /// Matches stages and diffs each pair.
    fn stages(&mut self) -> Vec<StageDiff> {
        let pairs = match_stages(&self.expected.stages, &self.actual.stages);
        // Stages whose relative order changed.
        let mut by_e: Vec<(usize, usize)> =
            pairs.iter().filter_map(|&(e, a)| Some((e?, a?))).collect();
        by_e.sort_unstable();
        let order_a: Vec<u32> = by_e.iter().map(|&(_, a)| a as u32).collect();
        let mut sorted_a = order_a.clone();
        sorted_a.sort_unstable();
        let kept = lcs::align(&order_a, &sorted_a, &|_| 1);
        let mut moved = vec![true; by_e.len()];
        for (k, _) in kept {
            moved[k] = false;
        }
        let mut moved_e = vec![false; self.expected.stages.len()];
        for (&(e, _), &m) in by_e.iter().zip(&moved) {
            moved_e[e] = m;
        }
        // For a stage missing on disk: the FROM line of the next on-disk stage.
        let mut anchors = vec![self.actual.layout.line_count.max(1); pairs.len()];
        for k in (0..pairs.len()).rev() {
            anchors[k] = match pairs[k].1 {
                Some(a) => self.actual.stages[a].from.line_start,
                None => anchors.get(k + 1).copied().unwrap_or(anchors[k]),
            };
        }
        let mut out = Vec::new();
        for (k, &(e, a)) in pairs.iter().enumerate() {
            let stage_moved = a.is_some() && e.is_some_and(|e| moved_e[e]);
            if let Some(sd) = self.stage(e, a, stage_moved, anchors[k]) {
                out.push(sd);
            }
        }
        out
    }

    fn stage(
        &mut self,
        e: Option<usize>,
        a: Option<usize>,
        stage_moved: bool,
        anchor: usize,
    ) -> Option<StageDiff> {
        let (expected, actual) = (self.expected, self.actual);
        let es: Option<&'a Stage> = e.map(|i| &expected.stages[i]);
        let as_: Option<&'a Stage> = a.map(|j| &actual.stages[j]);
        let mut raw: Vec<RawChange<'a>> = Vec::new();
        match (es, as_) {
            (Some(es), Some(as_)) => {
                if stage_moved {
                    raw.push(RawChange {
                        kind: ChangeKind::Moved,
                        before: Some(&es.from),
                        after: Some(&as_.from),
                        after_index: None,
                        is_from: true,
                        line: as_.from.line_start,
                    });
                }
                if es.from.normalized() == as_.from.normalized() {
                    self.fmt
                        .instruction(&es.from, expected.escape, &as_.from, actual.escape);
                } else {
                    raw.push(RawChange {
                        kind: ChangeKind::Changed,
                        before: Some(&es.from),
                        after: Some(&as_.from),
                        after_index: None,
                        is_from: true,
                        line: as_.from.line_start,
                    });
                }
                let body = self.align_body(&es.instructions, &as_.instructions, as_.from.line_end);
                let (fe, fa) = (&self.fe[e.unwrap_or(0)], &self.fa[a.unwrap_or(0)]);
                // A rendered setting that is still in force on disk (inherited from the base
                // stage, or the same command written as ENTRYPOINT + CMD) is not a change.
                raw.extend(body.into_iter().filter(|r| {
                    // WORKDIR, USER and ENV also act on the instructions after them: only an
                    // inherited value (none set in the stage on disk) counts as the same.
                    let own = |k: &str| as_.instructions.iter().any(|i| i.keyword == k);
                    let effect_kept = |i: Option<&Instruction>| {
                        i.is_some_and(|i| {
                            (!matches!(&*i.keyword, "WORKDIR" | "USER" | "ENV") || !own(&i.keyword))
                                && same_effect(i, fe, fa)
                        })
                    };
                    let run_same = |i: Option<&Instruction>| {
                        i.is_some_and(|i| matches!(&*i.keyword, "CMD" | "ENTRYPOINT"))
                            && run_key(fe).is_some()
                            && run_key(fe) == run_key(fa)
                    };
                    match r.kind {
                        ChangeKind::Removed => !effect_kept(r.before),
                        ChangeKind::Changed | ChangeKind::Added => {
                            !(run_same(r.after) && r.before.is_none_or(|b| run_same(Some(b))))
                        }
                        ChangeKind::Moved => true,
                    }
                }));
            }
            (None, Some(as_)) => {
                raw.push(RawChange {
                    kind: ChangeKind::Added,
                    before: None,
                    after: Some(&as_.from),
                    after_index: None,
                    is_from: true,
                    line: as_.from.line_start,
                });
                raw.extend(as_.instructions.iter().enumerate().map(|(j, i)| RawChange {
                    kind: ChangeKind::Added,
                    before: None,
                    after: Some(i),
                    after_index: Some(j),
                    is_from: false,
                    line: i.line_start,
                }));
            }
            // `FROM runtime` with nothing else is the runtime stage under another name: when
            // the final stage on disk stands for it, there is nothing to report.
            (Some(es), None)
                if es.instructions.is_empty()
                    && self.fe[e.unwrap_or(0)].base_is_stage
                    && e == expected.stages.len().checked_sub(1) => {}
            (Some(es), None) => raw.push(RawChange {
                kind: ChangeKind::Removed,
                before: Some(&es.from),
                after: None,
                after_index: None,
                is_from: true,
                line: anchor,
            }),
            (None, None) => {}
        }
        if raw.is_empty() {
            return None;
        }
        let p09_anchor = match (a.and_then(|j| self.fa[j].copy_before_install), e) {
            (Some((copy, run)), e)
                if e.is_none_or(|i| self.fe[i].copy_before_install.is_none()) =>
            {
                let touched = |k: usize| {
                    raw.iter()
                        .any(|r| r.kind != ChangeKind::Removed && r.after_index == Some(k))
                };
                if touched(copy) {
                    Some(copy)
                } else if touched(run) {
                    Some(run)
                } else {
                    None
                }
            }
            _ => None,
        };
        let stage_ref = StageRef {
            expected: es,
            actual: as_,
            e,
            a,
            p09_anchor,
        };
        let changes = raw
            .into_iter()
            .map(|r| self.finish(r, Some(&stage_ref), e, a))
            .collect();
        Some(StageDiff {
            name: as_.or(es).and_then(|s| s.name.clone()),
            expected_index: e,
            actual_index: a,
            line: as_.map_or(anchor, |s| s.from.line_start),
            changes,
        })
    }

    /// Explains a change: practice rules first, a plain description when none applies.
    fn finish(
        &self,
        r: RawChange<'a>,
        stage: Option<&StageRef<'a>>,
        e: Option<usize>,
        a: Option<usize>,
    ) -> Change {
        let ctx = RuleCtx {
            kind: r.kind,
            before: r.before,
            after: r.after,
            is_from: r.is_from,
            after_index: r.after_index,
            actual_stage: stage.and_then(|s| s.actual),
            expected_facts: e.map(|i| &self.fe[i]),
            actual_facts: a.map(|j| &self.fa[j]),
            is_final: a.is_some_and(|j| self.final_chain.contains(&j)),
            final_expected: self.fe.last(),
            final_actual: self.fa.last(),
            p09_anchor: stage.and_then(|s| s.p09_anchor),
        };
        let mut explanations: Vec<Explanation> = if r.kind == ChangeKind::Removed && r.is_from {
            Vec::new()
        } else {
            rules::evaluate(&ctx)
        };
        if explanations.is_empty() {
            explanations.push(Explanation {
                rule: DRIFT_RULE,
                practice: None,
                message: describe(&r, stage),
            });
        }
        Change {
            kind: r.kind,
            keyword: r
                .after
                .or(r.before)
                .map_or_else(String::new, |i| i.keyword.to_string()),
            line: r.line,
            before: r.before.map(InstructionRef::of),
            after: r.after.map(InstructionRef::of),
            explanations,
        }
    }
}

struct StageRef<'a> {
    expected: Option<&'a Stage>,
    actual: Option<&'a Stage>,
    e: Option<usize>,
    a: Option<usize>,
    p09_anchor: Option<usize>,
}

const SHOW: usize = 60;

fn show(i: &Instruction) -> String {
    truncate(&i.display(), SHOW)
}

/// The display text without the keyword.
fn args_text(i: &Instruction) -> String {
    let d = i.display();
    let rest = d.split_once(' ').map_or("", |(_, r)| r);
    truncate(rest, SHOW)
}

/// The arguments of two versions of an instruction, shortened around what differs when
/// they are long: `… build -o …` and `… build -ldflags="-s -w" -o …`.
fn changed_words(b: &Instruction, a: &Instruction) -> (String, String) {
    let (db, da) = (b.display(), a.display());
    let rest = |d: &str| d.split_once(' ').map_or("", |(_, r)| r).to_string();
    let (rb, ra) = (rest(&db), rest(&da));
    if rb.chars().count() <= SHOW && ra.chars().count() <= SHOW {
        return (rb, ra);
    }
    let wb: Vec<&str> = rb.split(' ').collect();
    let wa: Vec<&str> = ra.split(' ').collect();
    let prefix = wb.iter().zip(&wa).take_while(|(x, y)| x == y).count();
    let max_suffix = wb.len().min(wa.len()) - prefix;
    let suffix = wb
        .iter()
        .rev()
        .zip(wa.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    let window = |w: &[&str]| {
        let start = prefix.saturating_sub(1);
        let end = (w.len() - suffix + 1).min(w.len());
        let mut s = String::new();
        if start > 0 {
            s.push_str("… ");
        }
        s.push_str(&w[start..end].join(" "));
        if end < w.len() {
            s.push_str(" …");
        }
        truncate(&s, SHOW)
    };
    (window(&wb), window(&wa))
}

fn stage_label(s: &Stage) -> String {
    match &s.name {
        Some(n) => n.clone(),
        None => format!("#{}", s.index),
    }
}

/// A plain description of a change no practice rule explains.
fn describe(r: &RawChange, stage: Option<&StageRef>) -> String {
    if r.is_from {
        let es = stage.and_then(|s| s.expected);
        let as_ = stage.and_then(|s| s.actual);
        return match (r.kind, es, as_) {
            (ChangeKind::Removed, Some(es), _) => {
                let n = es.instructions.len();
                let noun = if n == 1 {
                    "instruction"
                } else {
                    "instructions"
                };
                format!("stage {} removed ({n} {noun})", stage_label(es))
            }
            (ChangeKind::Added, _, Some(as_)) => {
                format!("stage {} added ({})", stage_label(as_), show(&as_.from))
            }
            (ChangeKind::Moved, Some(es), Some(as_)) => format!(
                "stage {} moved: it is stage {} on disk, stage {} in the manifest's rendering",
                stage_label(as_),
                stage.and_then(|s| s.a).unwrap_or(as_.index),
                stage.and_then(|s| s.e).unwrap_or(es.index)
            ),
            (_, Some(es), Some(as_)) => describe_from_change(es, as_),
            _ => "FROM changed".to_string(),
        };
    }
    match (r.kind, r.before, r.after) {
        (ChangeKind::Added, _, Some(a)) => format!("{} added", show(a)),
        (ChangeKind::Removed, Some(b), _) => format!("{} removed", show(b)),
        (ChangeKind::Moved, _, Some(a)) => {
            let stage = stage.and_then(|s| s.actual);
            match (stage, r.after_index) {
                (Some(s), Some(0)) => {
                    format!("{} moved to the top of stage {}", show(a), stage_label(s))
                }
                (Some(s), Some(j)) => match s.instructions.get(j - 1) {
                    Some(prev) => {
                        format!("{} moved below {}", show(a), truncate(&prev.display(), 40))
                    }
                    None => format!("{} moved", show(a)),
                },
                _ => format!("{} moved", show(a)),
            }
        }
        (ChangeKind::Changed, Some(b), Some(a)) if a.keyword != b.keyword => {
            format!("{} replaced by {}", show(b), show(a))
        }
        (ChangeKind::Changed, Some(b), Some(a)) if b.display() == a.display() => {
            if b.heredocs.len() == a.heredocs.len()
                && b.heredocs
                    .iter()
                    .zip(&a.heredocs)
                    .any(|(x, y)| x.content != y.content)
            {
                format!("{} changed: the heredoc body differs", show(a))
            } else {
                format!("{} changed", show(a))
            }
        }
        (ChangeKind::Changed, Some(b), Some(a)) => {
            let (x, y) = changed_words(b, a);
            format!("{} changed from {x} to {y}", a.keyword)
        }
        _ => "instruction changed".to_string(),
    }
}

fn describe_from_change(es: &Stage, as_: &Stage) -> String {
    let (eb, ab) = (es.base(), as_.base());
    if eb != ab {
        return format!("base image changed from {eb} to {ab}");
    }
    if es.name != as_.name {
        return match (&es.name, &as_.name) {
            (Some(x), Some(y)) => format!("stage renamed from {x} to {y}"),
            (None, Some(y)) => format!("stage #{} named {y}", as_.index),
            (Some(x), _) => format!("stage {x} no longer named"),
            (None, None) => format!("stage #{} changed", as_.index),
        };
    }
    let platform = |s: &Stage| {
        s.from
            .flag("platform")
            .and_then(|f| f.value.clone())
            .unwrap_or_else(|| "(default)".to_string())
    };
    let (ep, ap) = (platform(es), platform(as_));
    if ep != ap {
        return format!("FROM --platform changed from {ep} to {ap}");
    }
    format!(
        "FROM changed from {} to {}",
        args_text(&es.from),
        args_text(&as_.from)
    )
}

/// Indexes of a stage in the rendering and on disk (`None`: not there).
type StagePair = (Option<usize>, Option<usize>);

/// A hash of everything a stage builds, to recognize an unchanged unnamed stage.
fn stage_hash(s: &Stage) -> u32 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    s.from.normalized().hash(&mut h);
    for i in &s.instructions {
        i.normalized().hash(&mut h);
    }
    h.finish() as u32
}

/// Pairs stages: by name first, then the remaining ones in order (identical stages
/// anchoring, the ones between them paired by position). Sorted in on-disk order, with
/// stages missing on disk after the on-disk stage paired with their predecessor.
fn match_stages(exp: &[Stage], act: &[Stage]) -> Vec<StagePair> {
    let mut em: Vec<Option<usize>> = vec![None; exp.len()];
    let mut am: Vec<Option<usize>> = vec![None; act.len()];
    // What `docker build` produces pairs first: the last stage with the last stage, and
    // their ancestors along the `FROM` chain; unless the rendered final stage is on disk
    // unchanged (or the final stage on disk is a rendered stage), where the alignment below
    // pairs them.
    let he_all: Vec<u32> = exp.iter().map(stage_hash).collect();
    let ha_all: Vec<u32> = act.iter().map(stage_hash).collect();
    let unchanged_final = exp.last().is_some_and(|s| ha_all.contains(&stage_hash(s)))
        || act.last().is_some_and(|s| he_all.contains(&stage_hash(s)));
    if !unchanged_final {
        // A last stage that only renames another (`FROM runtime`) stands for it.
        let mut ce = stage_chain(exp);
        if ce.len() > 1 && exp[ce[0]].instructions.is_empty() {
            ce.remove(0);
        }
        for (&i, &j) in ce.iter().zip(&stage_chain(act)) {
            em[i] = Some(j);
            am[j] = Some(i);
        }
    }
    let mut by_name: HashMap<&str, VecDeque<usize>> = HashMap::new();
    for (j, s) in act.iter().enumerate() {
        if let Some(n) = &s.name
            && am[j].is_none()
        {
            by_name.entry(n).or_default().push_back(j);
        }
    }
    for (i, s) in exp.iter().enumerate() {
        if em[i].is_some() {
            continue;
        }
        let Some(name) = &s.name else { continue };
        if let Some(j) = by_name.get_mut(name.as_str()).and_then(VecDeque::pop_front) {
            em[i] = Some(j);
            am[j] = Some(i);
        }
    }
    let er: Vec<usize> = (0..exp.len()).filter(|&i| em[i].is_none()).collect();
    let ar: Vec<usize> = (0..act.len()).filter(|&j| am[j].is_none()).collect();
    let he: Vec<u32> = er.iter().map(|&i| stage_hash(&exp[i])).collect();
    let ha: Vec<u32> = ar.iter().map(|&j| stage_hash(&act[j])).collect();
    let mut anchors = lcs::align(&he, &ha, &|_| 1);
    anchors.push((er.len(), ar.len()));
    let (mut pe, mut pa) = (0, 0);
    for (x, y) in anchors {
        for k in 0..(x - pe).min(y - pa) {
            em[er[pe + k]] = Some(ar[pa + k]);
            am[ar[pa + k]] = Some(er[pe + k]);
        }
        if x < er.len() {
            em[er[x]] = Some(ar[y]);
            am[ar[y]] = Some(er[x]);
        }
        pe = x + 1;
        pa = y + 1;
    }
    let mut keyed: Vec<((usize, usize), StagePair)> = Vec::new();
    for (j, &e) in am.iter().enumerate() {
        keyed.push(((2 * j + 1, 0), (e, Some(j))));
    }
    let mut after = 0;
    for (i, &a) in em.iter().enumerate() {
        match a {
            Some(j) => after = 2 * j + 1,
            None => keyed.push(((after, i + 1), (Some(i), None))),
        }
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dockerfile::parse_str;

    fn d(a: &str, b: &str) -> DockerfileDiff {
        diff(&parse_str(a), &parse_str(b))
    }

    #[test]
    fn identical_files_are_clean() {
        let src = "FROM x AS a\nRUN y\n\nFROM a\nCMD [\"z\"]\n";
        let r = d(src, src);
        assert!(r.is_clean() && !r.formatting_only() && !r.has_changes());
        assert_eq!(r.to_string(), "no differences\n");
    }

    #[test]
    fn stage_matching_by_name_then_position() {
        // Unchanged stages pair wherever they are.
        let e = parse_str("FROM a AS one\nFROM b\nFROM c AS three\n");
        let a = parse_str("FROM c AS three\nFROM b2\nFROM a AS one\nFROM new\n");
        let pairs = match_stages(&e.stages, &a.stages);
        assert_eq!(
            pairs,
            [
                (Some(2), Some(0)),
                (Some(1), Some(1)),
                (Some(0), Some(2)),
                (None, Some(3)),
            ]
        );
        // A single-stage file pairs with the rendered final stage, not the builder.
        let e = parse_str("FROM python:3.12-slim AS builder\nFROM python:3.12-slim\n");
        let a = parse_str("FROM python:3.12\n");
        assert_eq!(
            match_stages(&e.stages, &a.stages),
            [(Some(0), None), (Some(1), Some(0))]
        );
        let e = parse_str("FROM a\nFROM b\nFROM c\n");
        let a = parse_str("FROM new\nFROM a\nFROM c\n");
        assert_eq!(
            match_stages(&e.stages, &a.stages),
            [
                (None, Some(0)),
                (Some(0), Some(1)),
                (Some(1), None),
                (Some(2), Some(2)),
            ]
        );
    }

    #[test]
    fn moved_changed_added_removed() {
        let r = d(
            "FROM x\nRUN one\nENV A=1\nCOPY a /a\nRUN two\nUSER app\n",
            "FROM x\nRUN one\nENV A=2\nRUN two\nCOPY a /a\nLABEL x=y\n",
        );
        let kinds: Vec<(ChangeKind, usize)> = r.changes().map(|(_, c)| (c.kind, c.line)).collect();
        assert_eq!(
            kinds,
            [
                (ChangeKind::Changed, 3),
                (ChangeKind::Moved, 5),
                (ChangeKind::Removed, 6),
                (ChangeKind::Added, 6),
            ]
        );
        let text: Vec<String> = r
            .changes()
            .flat_map(|(_, c)| c.explanations.iter().map(ToString::to_string))
            .collect();
        assert_eq!(
            text,
            [
                "ENV changed from A=1 to A=2",
                "COPY a /a moved below RUN two",
                "USER app removed: the container now runs as root (P15)",
                "LABEL x=y added",
            ]
        );
    }

    #[test]
    fn only_the_effective_user_matters() {
        let src = "FROM nginx:1.27-alpine\nUSER 0\nRUN chown -R 101 /var/cache/nginx\nUSER 101\n";
        assert_eq!(
            d(src, &src.replace("USER 0\n", "")).to_string(),
            "stage #0:\n  line 2: USER 0 removed\n"
        );
        assert_eq!(
            d(src, &src.replace("USER 101\n", "")).to_string(),
            "stage #0:\n  line 3: USER 101 removed: the container now runs as root (P15)\n"
        );
        // A builder stage running as root does not matter.
        let src = "FROM a AS b\nUSER app\nFROM c\nUSER app\n";
        assert_eq!(
            d(src, &src.replacen("USER app\n", "", 1)).to_string(),
            "stage b:\n  line 1: USER app removed\n"
        );
    }

    #[test]
    fn comment_and_subkeyword_formatting() {
        let src = "# header one\n# header two\nFROM x AS build\nHEALTHCHECK CMD [\"true\"]\n";
        let r = d(src, &src.replace("# header one\n# header two\n", ""));
        assert!(r.formatting_only());
        assert_eq!(r.to_string(), "formatting: comments differ: 2 removed\n");
        let r = d(
            src,
            &src.replace("AS build", "as build").replace("CMD", "cmd"),
        );
        assert_eq!(
            r.to_string(),
            "formatting: instruction keywords in a different case (lines 3, 4)\n"
        );
    }

    #[test]
    fn removed_stage_and_global_arg() {
        let e = "ARG V=1\nFROM a AS deps\nRUN x\nFROM b AS final\nCOPY --from=deps /x /x\n";
        let a = "FROM b AS final\nCOPY --from=deps /x /x\n";
        assert_eq!(
            d(e, a).to_string(),
            "before the first FROM:\n  line 1: ARG V=1 removed\nstage deps:\n  line 1: stage deps removed (1 instruction)\n"
        );
    }

    #[test]
    fn stage_moved_and_moved_to_top() {
        let e =
            "FROM a:1 AS one\nRUN x\nFROM b:1 AS two\nRUN y\nFROM c:1\nCOPY app /app\nENV X=1\n";
        let a =
            "FROM b:1 AS two\nRUN y\nFROM a:1 AS one\nRUN x\nFROM c:1\nENV X=1\nCOPY app /app\n";
        assert_eq!(
            d(e, a).to_string(),
            "stage one:\n  line 3: stage one moved: it is stage 1 on disk, stage 0 in the manifest's rendering\n\
             stage #2:\n  line 6: ENV X=1 moved to the top of stage #2\n"
        );
    }

    #[test]
    fn json_report_shape() {
        let r = d("FROM x\nUSER app\n", "FROM x\n");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "global": [],
                "stages": [{
                    "name": null,
                    "expected_index": 0,
                    "actual_index": 0,
                    "line": 1,
                    "changes": [{
                        "kind": "removed",
                        "keyword": "USER",
                        "line": 1,
                        "before": {"line_start": 2, "line_end": 2, "text": "USER app"},
                        "after": null,
                        "explanations": [{
                            "rule": "user-root",
                            "practice": "P15",
                            "message": "USER app removed: the container now runs as root"
                        }]
                    }]
                }],
                "formatting": [],
                "problems": []
            })
        );
    }
}
