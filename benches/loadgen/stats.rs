//! The few statistics the load generator reports: percentiles of one run's latencies, and the
//! median and spread (min-max) of one figure over several runs.
//!
//! Latencies are kept exactly (one `u32` of µs per delivery, at most a few million per run) and
//! sorted once at the end, so a p99 is a real sample, not a histogram bucket's edge.

/// The nearest-rank percentile `p` (0-100) of `sorted`, which must be sorted ascending.
/// `None` when there are no samples.
pub fn percentile(sorted: &[u32], p: f64) -> Option<u32> {
    let last = sorted.len().checked_sub(1)?;
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.saturating_sub(1).min(last)])
}

/// One figure over several runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// The median (the mean of the middle two for an even count) and range of `values`.
/// `None` when there are none or one is not a number.
pub fn spread(values: &[f64]) -> Option<Spread> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    let median = match v.len() % 2 {
        1 => v[mid],
        _ => (v[mid - 1] + v[mid]) / 2.0,
    };
    Some(Spread {
        median,
        min: v[0],
        max: v[v.len() - 1],
    })
}

#[cfg(test)]
// Cargo also builds the harness-less `loadgen` bench with cfg(test), but without #[test]
// functions: there this module's helpers and imports are unused. `loadgen_units` runs the tests.
#[allow(unused_imports, dead_code)]
mod tests {
    use super::*;

    // Nearest rank: p50 of 1..=100 is 50, p99 is 99, p100 the max, p0 the min.
    #[test]
    fn percentiles_use_nearest_rank() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    // The median of an odd count is the middle value, of an even count the mean of the two.
    #[test]
    fn spread_is_median_and_range() {
        let s = spread(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(spread(&[4.0, 1.0]).unwrap().median, 2.5);
        assert_eq!(spread(&[]), None);
        assert_eq!(spread(&[1.0, f64::NAN]), None);
    }
}
