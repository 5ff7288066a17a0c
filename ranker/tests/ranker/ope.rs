//! Off-policy estimators on hand-computed logs, and bad logs.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ranker::ope::{
    ContextFreePolicy, EmpiricalCtr, Estimator, LogSchema, LoggedRecord, Ope, OpeError,
};

fn rec(action: usize, reward: f64, propensity: f64) -> LoggedRecord {
    LoggedRecord {
        action,
        position: 0,
        reward,
        propensity,
    }
}

#[test]
fn estimators_match_hand_computed_values() {
    // Two actions; the log favours action 0 (p = 0.8), the target is uniform.
    let logs = [
        rec(0, 1.0, 0.8),
        rec(0, 0.0, 0.8),
        rec(1, 1.0, 0.2),
        rec(0, 1.0, 0.8),
    ];
    let target = ContextFreePolicy::uniform(2, 1);
    let model = EmpiricalCtr::fit(&logs, 2, 1).unwrap();
    let ope = Ope::new(&logs, &target)
        .unwrap()
        .with_reward_model(&target, &model);
    let w = [0.625, 0.625, 2.5, 0.625];
    let r = [1.0, 0.0, 1.0, 1.0];
    let ips = (0..4).map(|i| w[i] * r[i]).sum::<f64>() / 4.0;
    let snips = (0..4).map(|i| w[i] * r[i]).sum::<f64>() / w.iter().sum::<f64>();
    // q̂(0) = 2/3, q̂(1) = 1; DM term = (2/3 + 1) / 2 for every row.
    let q = [2.0 / 3.0, 2.0 / 3.0, 1.0, 2.0 / 3.0];
    let dm = (2.0 / 3.0 + 1.0) / 2.0;
    let dr = (0..4).map(|i| dm + w[i] * (r[i] - q[i])).sum::<f64>() / 4.0;
    let got = |e| ope.estimate(e).unwrap().value;
    assert!((got(Estimator::Ips) - ips).abs() < 1e-12);
    assert!((got(Estimator::Snips) - snips).abs() < 1e-12);
    assert!((got(Estimator::Dm) - dm).abs() < 1e-12);
    assert!((got(Estimator::Dr) - dr).abs() < 1e-12);
    let ess = w.iter().sum::<f64>().powi(2) / w.iter().map(|x| x * x).sum::<f64>();
    assert!((ope.effective_sample_size() - ess).abs() < 1e-12);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let ci = ope.bootstrap(Estimator::Ips, 500, 0.9, &mut rng).unwrap();
    assert!(ci.lower <= ci.upper && ci.lower >= 0.0);
}

#[test]
fn zero_or_above_one_propensities_are_rejected_with_the_row() {
    let target = ContextFreePolicy::uniform(2, 1);
    for bad in [0.0, 1.5, f64::NAN, -0.1] {
        let logs = [rec(0, 1.0, 0.5), rec(1, 0.0, bad)];
        assert!(matches!(
            Ope::new(&logs, &target),
            Err(OpeError::InvalidPropensity { row: 1, .. })
        ));
        assert!(LoggedRecord::new(3, 0, 0, 1.0, bad).is_err());
    }
    assert_eq!(Ope::new(&[], &target).err(), Some(OpeError::Empty));
    let unknown = [rec(5, 1.0, 0.5)];
    assert!(matches!(
        Ope::new(&unknown, &target),
        Err(OpeError::OutOfRange {
            field: "action",
            ..
        })
    ));
}

#[test]
fn missing_columns_and_unreadable_cells_name_the_field() {
    let header = ["", "timestamp", "item_id", "position", "click"];
    assert_eq!(
        LogSchema::from_header(&header),
        Err(OpeError::MissingColumn {
            column: "propensity_score"
        })
    );
    let schema =
        LogSchema::from_header(&["item_id", "position", "click", "propensity_score"]).unwrap();
    assert_eq!(
        schema.parse(0, &["3", "2", "1", "0.25"]).unwrap(),
        LoggedRecord {
            action: 3,
            position: 1,
            reward: 1.0,
            propensity: 0.25
        }
    );
    assert!(matches!(
        schema.parse(7, &["3", "x", "1", "0.25"]),
        Err(OpeError::BadValue {
            row: 7,
            column: "position",
            ..
        })
    ));
    assert!(matches!(
        schema.parse(7, &["3", "1", "1"]),
        Err(OpeError::BadValue {
            column: "propensity_score",
            ..
        })
    ));
    assert!(matches!(
        schema.parse(2, &["3", "1", "1", "0"]),
        Err(OpeError::InvalidPropensity { row: 2, .. })
    ));
}

#[test]
fn a_replayed_target_weighs_each_record_by_its_own_probability() {
    // Record 0 is what the target would show (π = 1), record 1 is not (π = 0), record 2 is
    // shown by the target half the time.
    let logs = [rec(0, 1.0, 0.5), rec(1, 1.0, 1.0), rec(2, 0.0, 0.25)];
    let target = [1.0, 0.0, 0.5];
    let ope = Ope::replayed(&logs, &target).unwrap();
    let w: [f64; 3] = [2.0, 0.0, 2.0];
    let ips = (w[0] * 1.0 + w[1] * 1.0 + w[2] * 0.0) / 3.0;
    assert!((ope.estimate(Estimator::Ips).unwrap().value - ips).abs() < 1e-12);
    let snips = 2.0 / 4.0;
    assert!((ope.estimate(Estimator::Snips).unwrap().value - snips).abs() < 1e-12);
    assert!((ope.effective_sample_size() - 16.0 / 8.0).abs() < 1e-12);
    assert!(
        ope.estimate(Estimator::Dr).is_none(),
        "no model attached yet"
    );
    let ope = ope
        .with_replayed_model(vec![0.3, 0.3, 0.3], vec![0.4, 0.2, 0.1])
        .unwrap();
    let dr = ((0.3 + 2.0 * (1.0 - 0.4)) + 0.3 + (0.3 + 2.0 * (0.0 - 0.1))) / 3.0;
    assert!((ope.estimate(Estimator::Dr).unwrap().value - dr).abs() < 1e-12);
}

#[test]
fn a_replayed_target_must_line_up_with_the_records() {
    let logs = [rec(0, 1.0, 0.5), rec(1, 0.0, 0.5)];
    assert!(matches!(
        Ope::replayed(&logs, &[1.0]),
        Err(OpeError::TargetLength {
            records: 2,
            target: 1
        })
    ));
    for bad in [-0.1, 1.5, f64::NAN] {
        assert!(matches!(
            Ope::replayed(&logs, &[1.0, bad]),
            Err(OpeError::InvalidTarget { row: 1, .. })
        ));
    }
    assert!(matches!(Ope::replayed(&[], &[]), Err(OpeError::Empty)));
    let ope = Ope::replayed(&logs, &[1.0, 1.0]).unwrap();
    assert!(matches!(
        ope.with_replayed_model(vec![0.1], vec![0.1, 0.2]),
        Err(OpeError::TargetLength { .. })
    ));
}
