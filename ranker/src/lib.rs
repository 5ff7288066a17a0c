//! Meander's recommendation core: candidate generation, blended scoring and diversified
//! re-ranking. No I/O, no async, no database: plain data in, ranked lists out.
