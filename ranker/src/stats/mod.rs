//! Statistics of online experiments over binary outcomes (an impression clicked or not, a
//! session that added to cart or not) and means of amounts (revenue per session or profile,
//! with normal intervals of a mean and of a difference of means): per-arm rates with Wilson
//! intervals, the mixture
//! sequential probability ratio test (mSPRT) whose decision and intervals stay valid however
//! often they are looked at, and the fixed-horizon sample size a merchant is shown before
//! starting. Pure functions of counts; the services layer does the counting.

mod mean;
mod normal;
mod proportion;
mod sample_size;
mod sequential;

pub use mean::{Mean, MeanDifference};
pub use normal::normal_quantile;
pub use proportion::{Interval, Proportion};
pub use sample_size::sample_size_per_arm;
pub use sequential::{Decision, Sequential, SequentialTest};
