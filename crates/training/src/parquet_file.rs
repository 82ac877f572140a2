//! The training file's Parquet layout and its writer: one row group per
//! page of rows, so memory stays bounded by the page size whatever the
//! range (docs/DECISIONS.md, "Training export"). Low-level column writers
//! of the `parquet` crate (no arrow feature: less to compile).

use crate::query::TrainingRow;
use parquet::basic::Compression;
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::{ParquetError, Result};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use std::io::Write;
use std::sync::Arc;

/// The schema, column by column in file order.
pub const SCHEMA: &str = "message training {
    REQUIRED BYTE_ARRAY pool_id (STRING);
    REQUIRED INT64 bucket_start (TIMESTAMP(MILLIS,true));
    REQUIRED BYTE_ARRAY region (STRING);
    REQUIRED BYTE_ARRAY az (STRING);
    REQUIRED BYTE_ARRAY instance_type (STRING);
    REQUIRED DOUBLE price;
    REQUIRED BYTE_ARRAY source (STRING);
    REQUIRED BOOLEAN from_agent;
    REQUIRED BOOLEAN interpolated;
    REQUIRED BOOLEAN backfilled;
    REQUIRED INT32 termination_notices;
    REQUIRED INT32 rebalance_notices;
    REQUIRED INT32 deadlines_missed;
    REQUIRED INT32 switches_in;
    REQUIRED INT32 switches_out;
    REQUIRED INT32 emergency_switches;
    REQUIRED INT32 replicas_launched;
    REQUIRED INT32 primaries;
}";

/// Writes pages of rows as row groups.
pub struct TrainingWriter<W: Write + Send> {
    inner: SerializedFileWriter<W>,
}

fn strings(rows: &[TrainingRow], f: impl Fn(&TrainingRow) -> &str) -> Vec<ByteArray> {
    rows.iter().map(|r| ByteArray::from(f(r))).collect()
}

fn ints(rows: &[TrainingRow], f: impl Fn(&TrainingRow) -> i32) -> Vec<i32> {
    rows.iter().map(f).collect()
}

fn flags(rows: &[TrainingRow], f: impl Fn(&TrainingRow) -> bool) -> Vec<bool> {
    rows.iter().map(f).collect()
}

impl<W: Write + Send> TrainingWriter<W> {
    pub fn new(sink: W) -> Result<Self> {
        let schema = Arc::new(parse_message_type(SCHEMA)?);
        let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
        Ok(Self { inner: SerializedFileWriter::new(sink, schema, props)? })
    }

    /// Appends one row group.
    pub fn write(&mut self, rows: &[TrainingRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut group = self.inner.next_row_group()?;
        let mut index = 0usize;
        while let Some(mut column) = group.next_column()? {
            match index {
                0 => write_strings(&mut column, strings(rows, |r| &r.pool_id))?,
                1 => {
                    let v: Vec<i64> = rows.iter().map(|r| r.bucket_start.timestamp_millis()).collect();
                    column.typed::<Int64Type>().write_batch(&v, None, None)?;
                }
                2 => write_strings(&mut column, strings(rows, |r| &r.region))?,
                3 => write_strings(&mut column, strings(rows, |r| &r.az))?,
                4 => write_strings(&mut column, strings(rows, |r| &r.instance_type))?,
                5 => {
                    let v: Vec<f64> = rows.iter().map(|r| r.price).collect();
                    column.typed::<DoubleType>().write_batch(&v, None, None)?;
                }
                6 => write_strings(&mut column, strings(rows, |r| &r.source))?,
                7 => write_flags(&mut column, flags(rows, |r| r.source == "agent"))?,
                8 => write_flags(&mut column, flags(rows, |r| r.source == "interpolated"))?,
                9 => write_flags(&mut column, flags(rows, |r| r.source == "backfilled"))?,
                10 => write_ints(&mut column, ints(rows, |r| r.termination_notices))?,
                11 => write_ints(&mut column, ints(rows, |r| r.rebalance_notices))?,
                12 => write_ints(&mut column, ints(rows, |r| r.deadlines_missed))?,
                13 => write_ints(&mut column, ints(rows, |r| r.switches_in))?,
                14 => write_ints(&mut column, ints(rows, |r| r.switches_out))?,
                15 => write_ints(&mut column, ints(rows, |r| r.emergency_switches))?,
                16 => write_ints(&mut column, ints(rows, |r| r.replicas_launched))?,
                17 => write_ints(&mut column, ints(rows, |r| r.primaries))?,
                other => return Err(ParquetError::General(format!("training schema has no column {other}"))),
            }
            column.close()?;
            index += 1;
        }
        group.close()?;
        Ok(())
    }

    /// Writes the footer and hands the sink back, complete.
    pub fn finish(self) -> Result<W> {
        self.inner.into_inner()
    }
}

impl TrainingWriter<Vec<u8>> {
    /// The bytes encoded so far and not yet taken. The file writer counts
    /// the bytes it wrote itself (offsets in the footer stay right), so
    /// emptying the buffer between row groups is safe.
    pub fn take_bytes(&mut self) -> Result<Vec<u8>> {
        self.inner.flush()?;
        Ok(std::mem::take(self.inner.inner_mut()))
    }
}

type Column<'a> = parquet::file::writer::SerializedColumnWriter<'a>;

fn write_strings(column: &mut Column<'_>, values: Vec<ByteArray>) -> Result<()> {
    column.typed::<ByteArrayType>().write_batch(&values, None, None)?;
    Ok(())
}

fn write_ints(column: &mut Column<'_>, values: Vec<i32>) -> Result<()> {
    column.typed::<Int32Type>().write_batch(&values, None, None)?;
    Ok(())
}

fn write_flags(column: &mut Column<'_>, values: Vec<bool>) -> Result<()> {
    column.typed::<BoolType>().write_batch(&values, None, None)?;
    Ok(())
}
