//! Sequence alignment: which items of two sequences correspond.
//!
//! A weighted longest common subsequence by dynamic programming after trimming the common
//! prefix and suffix; for inputs too large for the table, patience-style anchoring on items
//! unique to both sides, recursing into the gaps. Bounded time and memory on any input.

use std::collections::HashMap;

/// Largest DP table (cells) used for one gap.
const DP_LIMIT: usize = 4_000_000;

/// Matches between `a` and `b`: pairs `(i, j)` with `a[i] == b[j]`, strictly increasing in
/// both. `weight(x)` is how much keeping item `x` in place is worth: on ties the heavier
/// items stay and the lighter ones are reported as moved.
pub(crate) fn align(a: &[u32], b: &[u32], weight: &dyn Fn(u32) -> u32) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut work = vec![(0, a.len(), 0, b.len())];
    while let Some((mut a0, mut a1, mut b0, mut b1)) = work.pop() {
        while a0 < a1 && b0 < b1 && a[a0] == b[b0] {
            out.push((a0, b0));
            a0 += 1;
            b0 += 1;
        }
        while a0 < a1 && b0 < b1 && a[a1 - 1] == b[b1 - 1] {
            out.push((a1 - 1, b1 - 1));
            a1 -= 1;
            b1 -= 1;
        }
        if a0 == a1 || b0 == b1 {
            continue;
        }
        let (n, m) = (a1 - a0, b1 - b0);
        if (n + 1).saturating_mul(m + 1) <= DP_LIMIT {
            for (i, j) in dp(&a[a0..a1], &b[b0..b1], weight) {
                out.push((a0 + i, b0 + j));
            }
            continue;
        }
        let anchors = unique_anchors(&a[a0..a1], &b[b0..b1]);
        let (mut pa, mut pb) = (a0, b0);
        for (i, j) in anchors {
            let (i, j) = (a0 + i, b0 + j);
            out.push((i, j));
            work.push((pa, i, pb, j));
            pa = i + 1;
            pb = j + 1;
        }
        if pa > a0 {
            work.push((pa, a1, pb, b1));
        }
    }
    out.sort_unstable();
    out
}

/// Weighted LCS by a suffix table.
fn dp(a: &[u32], b: &[u32], weight: &dyn Fn(u32) -> u32) -> Vec<(usize, usize)> {
    let (n, m) = (a.len(), b.len());
    let w = m + 1;
    let mut t = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let skip = t[(i + 1) * w + j].max(t[i * w + j + 1]);
            t[i * w + j] = if a[i] == b[j] {
                skip.max(weight(a[i]).saturating_add(t[(i + 1) * w + j + 1]))
            } else {
                skip
            };
        }
    }
    let mut out = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if a[i] == b[j] && t[i * w + j] == weight(a[i]).saturating_add(t[(i + 1) * w + j + 1]) {
            out.push((i, j));
            i += 1;
            j += 1;
        } else if t[(i + 1) * w + j] >= t[i * w + j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Items occurring exactly once in each side, kept in an order-preserving longest chain
/// (patience sorting).
fn unique_anchors(a: &[u32], b: &[u32]) -> Vec<(usize, usize)> {
    let mut count: HashMap<u32, (u32, usize, u32, usize)> = HashMap::new();
    for (i, &x) in a.iter().enumerate() {
        let e = count.entry(x).or_insert((0, i, 0, 0));
        e.0 += 1;
    }
    for (j, &x) in b.iter().enumerate() {
        if let Some(e) = count.get_mut(&x) {
            e.2 += 1;
            e.3 = j;
        }
    }
    let mut pairs: Vec<(usize, usize)> = count
        .values()
        .filter(|e| e.0 == 1 && e.2 == 1)
        .map(|e| (e.1, e.3))
        .collect();
    pairs.sort_unstable();
    // Longest increasing subsequence of the b positions.
    let mut tails: Vec<usize> = Vec::new(); // index into pairs
    let mut prev: Vec<Option<usize>> = vec![None; pairs.len()];
    for k in 0..pairs.len() {
        let pos = tails.partition_point(|&t| pairs[t].1 < pairs[k].1);
        prev[k] = pos.checked_sub(1).map(|p| tails[p]);
        if pos == tails.len() {
            tails.push(k);
        } else {
            tails[pos] = k;
        }
    }
    let mut chain = Vec::new();
    let mut k = tails.last().copied();
    while let Some(i) = k {
        chain.push(pairs[i]);
        k = prev[i];
    }
    chain.reverse();
    chain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(_: u32) -> u32 {
        1
    }

    fn check(a: &[u32], b: &[u32], pairs: &[(usize, usize)]) {
        for w in pairs.windows(2) {
            assert!(w[0].0 < w[1].0 && w[0].1 < w[1].1, "{pairs:?}");
        }
        for &(i, j) in pairs {
            assert_eq!(a[i], b[j]);
        }
    }

    #[test]
    fn simple_edits() {
        let a = [1, 2, 3, 4, 5];
        let b = [1, 3, 9, 4, 5];
        let p = align(&a, &b, &unit);
        assert_eq!(p, [(0, 0), (2, 1), (3, 3), (4, 4)]);
        assert!(align(&[], &[1], &unit).is_empty());
        assert_eq!(align(&[7], &[7], &unit), [(0, 0)]);
    }

    #[test]
    fn weights_decide_what_moves() {
        // [copy, run] vs [run, copy]: keep the heavier `run` in place.
        let (copy, run) = (1, 2);
        let w = |x: u32| if x == run { 3 } else { 1 };
        let p = align(&[0, copy, run, 5], &[0, run, copy, 5], &w);
        assert_eq!(p, [(0, 0), (2, 1), (3, 3)]);
        let w = |x: u32| if x == copy { 3 } else { 1 };
        let p = align(&[0, copy, run, 5], &[0, run, copy, 5], &w);
        assert_eq!(p, [(0, 0), (1, 2), (3, 3)]);
    }

    #[test]
    fn large_inputs_use_anchors() {
        let n = 5000u32;
        let a: Vec<u32> = (0..n).collect();
        let mut b: Vec<u32> = (0..n)
            .map(|x| if x % 100 == 50 { x + 1_000_000 } else { x })
            .collect();
        b.swap(10, 4000);
        let p = align(&a, &b, &unit);
        check(&a, &b, &p);
        assert!(p.len() >= (n as usize) - 60, "{}", p.len());
        // Nothing unique, nothing common: no match, and it terminates quickly.
        let a = vec![1u32; 3000];
        let b = vec![2u32; 3000];
        assert!(align(&a, &b, &unit).is_empty());
        let a: Vec<u32> = (0..3000).map(|x| x % 2).collect();
        let b: Vec<u32> = (0..3000).map(|x| (x + 1) % 2).collect();
        let p = align(&a, &b, &unit);
        check(&a, &b, &p);
    }

    #[test]
    fn random_alignments_are_valid() {
        let mut s = 7u64;
        let mut next = || {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (s >> 33) as u32
        };
        for _ in 0..200 {
            let n = (next() % 40) as usize;
            let m = (next() % 40) as usize;
            let a: Vec<u32> = (0..n).map(|_| next() % 6).collect();
            let b: Vec<u32> = (0..m).map(|_| next() % 6).collect();
            let p = align(&a, &b, &unit);
            check(&a, &b, &p);
            // Optimal for unit weights: compare with a plain LCS length.
            let mut t = vec![vec![0usize; m + 1]; n + 1];
            for i in (0..n).rev() {
                for j in (0..m).rev() {
                    t[i][j] = if a[i] == b[j] {
                        t[i + 1][j + 1] + 1
                    } else {
                        t[i + 1][j].max(t[i][j + 1])
                    };
                }
            }
            assert_eq!(p.len(), t[0][0]);
        }
    }
}
