//! Statistics of online experiments over binary outcomes (an impression clicked or not, a
//! session that added to cart or not) and per-session amounts (revenue per session): per-arm
//! rates with Wilson intervals, means with normal intervals, the mixture
//! sequential probability ratio test (mSPRT) whose decision and intervals stay valid however
//! often they are looked at, and the fixed-horizon sample size a merchant is shown before
//! starting. Pure functions of counts; the services layer does the counting.

mod mean;
mod normal;
mod proportion;
mod sample_size;
mod sequential;

pub use mean::Mean;
pub use normal::normal_quantile;
pub use proportion::{Interval, Proportion};
pub use sample_size::sample_size_per_arm;
pub use sequential::{Decision, Sequential, SequentialTest};
