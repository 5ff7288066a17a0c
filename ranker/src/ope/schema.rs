//! Reading logged records from delimited text rows (Open Bandit Dataset layout), without I/O:
//! the caller reads the file and hands over the split fields.

use super::{LoggedRecord, OpeError};

/// Column indices of the fields a log needs: `item_id`, `position` (1-based), `click`,
/// `propensity_score`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSchema {
    item: usize,
    position: usize,
    click: usize,
    propensity: usize,
}

impl LogSchema {
    /// Finds the required columns in a header row.
    ///
    /// # Errors
    /// [`OpeError::MissingColumn`] naming the first absent column.
    pub fn from_header(header: &[&str]) -> Result<Self, OpeError> {
        let find = |column: &'static str| {
            header
                .iter()
                .position(|h| h.trim() == column)
                .ok_or(OpeError::MissingColumn { column })
        };
        Ok(Self {
            item: find("item_id")?,
            position: find("position")?,
            click: find("click")?,
            propensity: find("propensity_score")?,
        })
    }

    /// Parses data row `row` (0-based) into a checked record; positions become 0-based.
    ///
    /// # Errors
    /// [`OpeError::BadValue`] for a missing or unreadable cell (position 0 included),
    /// [`OpeError::InvalidPropensity`] / [`OpeError::NonFiniteReward`] from the record check.
    pub fn parse(&self, row: usize, fields: &[&str]) -> Result<LoggedRecord, OpeError> {
        let action: usize = cell(fields, self.item, row, "item_id")?;
        let position: usize = cell(fields, self.position, row, "position")?;
        let Some(position) = position.checked_sub(1) else {
            return Err(OpeError::BadValue {
                row,
                column: "position",
                value: "0".into(),
            });
        };
        let reward: f64 = cell(fields, self.click, row, "click")?;
        let propensity: f64 = cell(fields, self.propensity, row, "propensity_score")?;
        LoggedRecord::new(row, action, position, reward, propensity)
    }
}

/// Parses `fields[i]`, or names the column in the error.
fn cell<T: std::str::FromStr>(
    fields: &[&str],
    i: usize,
    row: usize,
    column: &'static str,
) -> Result<T, OpeError> {
    let text = fields.get(i).map_or("", |s| s.trim());
    // The error names the row, column and text, which says more than the parser's reason.
    text.parse().ok().ok_or_else(|| OpeError::BadValue {
        row,
        column,
        value: text.to_owned(),
    })
}
