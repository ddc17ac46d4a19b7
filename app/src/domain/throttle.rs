//! How long a subject must wait after repeated failed sign-ins.

/// Seconds to wait after `failures` failures, given the policy: nothing below
/// `max_failures`, then `base` seconds doubling with each further failure, capped.
pub fn delay_secs(failures: i64, max_failures: i64, base: i64, cap: i64) -> i64 {
    if failures < max_failures {
        return 0;
    }
    let doublings = (failures - max_failures).clamp(0, 30) as u32;
    base.saturating_mul(1i64 << doublings).min(cap)
}

/// Seconds left to wait, given when the last failure happened (unix seconds).
pub fn remaining_secs(
    failures: i64,
    last_failed_unix: i64,
    now_unix: i64,
    max_failures: i64,
    base: i64,
    cap: i64,
) -> i64 {
    let until = last_failed_unix.saturating_add(delay_secs(failures, max_failures, base, cap));
    (until - now_unix).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_delay_below_the_limit_then_doubling_to_the_cap() {
        assert_eq!(delay_secs(0, 5, 30, 3600), 0);
        assert_eq!(delay_secs(4, 5, 30, 3600), 0);
        assert_eq!(delay_secs(5, 5, 30, 3600), 30);
        assert_eq!(delay_secs(6, 5, 30, 3600), 60);
        assert_eq!(delay_secs(7, 5, 30, 3600), 120);
        assert_eq!(delay_secs(12, 5, 30, 3600), 3600);
        assert_eq!(delay_secs(1_000, 5, 30, 3600), 3600);
    }

    #[test]
    fn remaining_counts_down_from_the_last_failure() {
        assert_eq!(remaining_secs(5, 1_000, 1_010, 5, 30, 3600), 20);
        assert_eq!(remaining_secs(5, 1_000, 1_031, 5, 30, 3600), 0);
        assert_eq!(remaining_secs(3, 1_000, 1_000, 5, 30, 3600), 0);
    }
}
