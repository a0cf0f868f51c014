# The lake's query-ready tables in the Glue Data Catalog, and an Athena workgroup to query them (docs/design.md
# "Tables"). The table definitions below are src/tables/schema.ts in Terraform's terms; test/terraform/
# athena-lake.test.ts fails when the two differ, so change both together. The views are Athena named queries whose
# SQL is generated from src/tables/views.ts (views/*.sql, by scripts/generate-athena-views.ts).

locals {
  lake_root = "s3://${var.bucket_name}/${var.key_prefix}"

  # One entry per TABLE_NAMES entry of src/tables/schema.ts: its description, the columns stored in the Parquet
  # files in file order (types as glueType() gives them) and the date partition key, which lives only in the path.
  tables = {
    prices = {
      description = "The bars each fetch brought that the previous snapshot of the ticker did not hold with the same values (every bar of the first snapshot), and the bars it no longer holds inside the overlap (change = removed). The latest known values of a bar are those of its row with the latest fetched_at; see the prices_latest and price_history views."
      partition   = { name = "fetch_date", type = "date", comment = "the UTC date of the fetch (that of the raw key)" }
      columns = [
        { name = "ticker", type = "string", comment = "the ticker, as the lake writes it" },
        { name = "date", type = "date", comment = "the bar's trading date" },
        { name = "open", type = "double", comment = "open (null when removed)" },
        { name = "high", type = "double", comment = "high (null when removed)" },
        { name = "low", type = "double", comment = "low (null when removed)" },
        { name = "close", type = "double", comment = "close (null when removed)" },
        { name = "adj_close", type = "double", comment = "adjusted close (null when the vendor gave none, or removed)" },
        { name = "volume", type = "double", comment = "volume (null when removed)" },
        { name = "change", type = "string", comment = "new (not in the previous snapshot), changed (other values), removed" },
        { name = "fetched_at", type = "timestamp", comment = "when the snapshot was fetched (UTC)" },
        { name = "source", type = "string", comment = "the data source (yfinance, csv, sample)" },
        { name = "raw_key", type = "string", comment = "the raw snapshot the bar is from" },
        { name = "raw_version_id", type = "string", comment = "that snapshot's version id" },
        { name = "raw_sha256", type = "string", comment = "that snapshot's body sha256" },
        { name = "previous_raw_key", type = "string", comment = "the snapshot it was compared with (null for the first one)" },
        { name = "run_id", type = "string", comment = "the run that fetched it (null when the lake does not say)" },
      ]
    }
    indicators = {
      description = "The indicators of each processed indicators object: one row per ticker, as_of and object."
      partition   = { name = "as_of", type = "date", comment = "the date of the last bar the results were computed over" }
      columns = [
        { name = "ticker", type = "string", comment = "the ticker" },
        { name = "sma_20", type = "double", comment = "sma_20 at as_of (null when undefined)" },
        { name = "sma_50", type = "double", comment = "sma_50 at as_of (null when undefined)" },
        { name = "sma_200", type = "double", comment = "sma_200 at as_of (null when undefined)" },
        { name = "rsi_14", type = "double", comment = "rsi_14 at as_of (null when undefined)" },
        { name = "macd", type = "double", comment = "macd at as_of (null when undefined)" },
        { name = "macd_signal", type = "double", comment = "macd_signal at as_of (null when undefined)" },
        { name = "macd_histogram", type = "double", comment = "macd_histogram at as_of (null when undefined)" },
        { name = "bb_upper", type = "double", comment = "bb_upper at as_of (null when undefined)" },
        { name = "bb_middle", type = "double", comment = "bb_middle at as_of (null when undefined)" },
        { name = "bb_lower", type = "double", comment = "bb_lower at as_of (null when undefined)" },
        { name = "atr_14", type = "double", comment = "atr_14 at as_of (null when undefined)" },
        { name = "atr_percent", type = "double", comment = "atr_percent at as_of (null when undefined)" },
        { name = "vwap", type = "double", comment = "vwap at as_of (null when undefined)" },
        { name = "price_vwap_pct", type = "double", comment = "price_vwap_pct at as_of (null when undefined)" },
        { name = "volume_sma_20", type = "double", comment = "volume_sma_20 at as_of (null when undefined)" },
        { name = "volume_ratio", type = "double", comment = "volume_ratio at as_of (null when undefined)" },
        { name = "uncertainty_score", type = "double", comment = "uncertainty_score at as_of (null when undefined)" },
        { name = "computation_version", type = "string", comment = "the computation version that produced the row" },
        { name = "computed_at", type = "timestamp", comment = "when it was computed (UTC)" },
        { name = "object_key", type = "string", comment = "the processed JSON object the row mirrors" },
        { name = "object_version_id", type = "string", comment = "that object's version id (null while it waits in the outbox)" },
        { name = "raw_key", type = "string", comment = "the raw snapshot it was computed from" },
        { name = "raw_version_id", type = "string", comment = "that snapshot's version id" },
        { name = "raw_sha256", type = "string", comment = "that snapshot's body sha256" },
        { name = "run_id", type = "string", comment = "the run that computed it (null when the lake does not say)" },
        { name = "quality_failed", type = "string", comment = "the checks its raw snapshot failed (`check:severity,...`; the object's quality mark), null when clean" },
      ]
    }
    percentiles = {
      description = "Where each metric sits in its own history as of as_of: one row per ticker, as_of, metric and object, the statistics as columns."
      partition   = { name = "as_of", type = "date", comment = "the date of the last bar the results were computed over" }
      columns = [
        { name = "ticker", type = "string", comment = "the ticker" },
        { name = "metric", type = "string", comment = "the metric (rsi_14, macd, ...)" },
        { name = "current_value", type = "double", comment = "the metric at as_of" },
        { name = "percentile", type = "double", comment = "share of the window at or below current_value, x 100" },
        { name = "mean", type = "double", comment = "the window's mean" },
        { name = "std", type = "double", comment = "the window's sample standard deviation" },
        { name = "min", type = "double", comment = "the window's minimum" },
        { name = "max", type = "double", comment = "the window's maximum" },
        { name = "count", type = "bigint", comment = "rows in the window" },
        { name = "pct_above_70", type = "double", comment = "share of the window (x 100) where above_70; null for other metrics" },
        { name = "pct_below_30", type = "double", comment = "share of the window (x 100) where below_30; null for other metrics" },
        { name = "pct_positive", type = "double", comment = "share of the window (x 100) where positive; null for other metrics" },
        { name = "pct_below_25", type = "double", comment = "share of the window (x 100) where below_25; null for other metrics" },
        { name = "pct_above_75", type = "double", comment = "share of the window (x 100) where above_75; null for other metrics" },
        { name = "pct_below_1", type = "double", comment = "share of the window (x 100) where below_1; null for other metrics" },
        { name = "pct_above_4", type = "double", comment = "share of the window (x 100) where above_4; null for other metrics" },
        { name = "pct_above_3", type = "double", comment = "share of the window (x 100) where above_3; null for other metrics" },
        { name = "pct_below_minus_3", type = "double", comment = "share of the window (x 100) where below_minus_3; null for other metrics" },
        { name = "pct_above_2", type = "double", comment = "share of the window (x 100) where above_2; null for other metrics" },
        { name = "pct_below_0_7", type = "double", comment = "share of the window (x 100) where below_0_7; null for other metrics" },
        { name = "pct_close_above_sma", type = "double", comment = "share of the window (x 100) where close_above_sma; null for other metrics" },
        { name = "current_price_percentile", type = "double", comment = "where the last close sits in the window's closes, x 100" },
        { name = "computation_version", type = "string", comment = "the computation version that produced the row" },
        { name = "computed_at", type = "timestamp", comment = "when it was computed (UTC)" },
        { name = "object_key", type = "string", comment = "the processed JSON object the row mirrors" },
        { name = "object_version_id", type = "string", comment = "that object's version id (null while it waits in the outbox)" },
        { name = "raw_key", type = "string", comment = "the raw snapshot it was computed from" },
        { name = "raw_version_id", type = "string", comment = "that snapshot's version id" },
        { name = "raw_sha256", type = "string", comment = "that snapshot's body sha256" },
        { name = "run_id", type = "string", comment = "the run that computed it (null when the lake does not say)" },
        { name = "quality_failed", type = "string", comment = "the checks its raw snapshot failed (`check:severity,...`; the object's quality mark), null when clean" },
      ]
    }
    features = {
      description = "The comparative features of each processed features object: one row per ticker, as_of and object."
      partition   = { name = "as_of", type = "date", comment = "the date of the last bar the results were computed over" }
      columns = [
        { name = "ticker", type = "string", comment = "the ticker" },
        { name = "return_1d", type = "double", comment = "return_1d as of as_of (null when undefined)" },
        { name = "return_5d", type = "double", comment = "return_5d as of as_of (null when undefined)" },
        { name = "return_20d", type = "double", comment = "return_20d as of as_of (null when undefined)" },
        { name = "return_60d", type = "double", comment = "return_60d as of as_of (null when undefined)" },
        { name = "return_252d", type = "double", comment = "return_252d as of as_of (null when undefined)" },
        { name = "volatility_30d", type = "double", comment = "volatility_30d as of as_of (null when undefined)" },
        { name = "volatility_90d", type = "double", comment = "volatility_90d as of as_of (null when undefined)" },
        { name = "sharpe_ratio", type = "double", comment = "sharpe_ratio as of as_of (null when undefined)" },
        { name = "max_drawdown", type = "double", comment = "max_drawdown as of as_of (null when undefined)" },
        { name = "bars", type = "bigint", comment = "bars the features were computed over" },
        { name = "computation_version", type = "string", comment = "the computation version that produced the row" },
        { name = "computed_at", type = "timestamp", comment = "when it was computed (UTC)" },
        { name = "object_key", type = "string", comment = "the processed JSON object the row mirrors" },
        { name = "object_version_id", type = "string", comment = "that object's version id (null while it waits in the outbox)" },
        { name = "raw_key", type = "string", comment = "the raw snapshot it was computed from" },
        { name = "raw_version_id", type = "string", comment = "that snapshot's version id" },
        { name = "raw_sha256", type = "string", comment = "that snapshot's body sha256" },
        { name = "run_id", type = "string", comment = "the run that computed it (null when the lake does not say)" },
        { name = "quality_failed", type = "string", comment = "the checks its raw snapshot failed (`check:severity,...`; the object's quality mark), null when clean" },
      ]
    }
    restatements = {
      description = "Bar values a vendor restated: one row per restated bar and field, from the restatement objects."
      partition   = { name = "fetch_date", type = "date", comment = "the UTC date of the fetch (that of the raw key)" }
      columns = [
        { name = "ticker", type = "string", comment = "the ticker" },
        { name = "date", type = "date", comment = "the restated bar" },
        { name = "change", type = "string", comment = "changed, added or removed" },
        { name = "field", type = "string", comment = "open, high, low, close, adj_close or volume" },
        { name = "old_value", type = "double", comment = "the value in the previous snapshot" },
        { name = "new_value", type = "double", comment = "the value in the newer snapshot" },
        { name = "detected_at", type = "timestamp", comment = "when the restatement was detected (UTC)" },
        { name = "restatement_key", type = "string", comment = "the restatement object the row is from" },
        { name = "raw_key", type = "string", comment = "the newer snapshot" },
        { name = "raw_version_id", type = "string", comment = "its version id (null when it waited in the outbox)" },
        { name = "previous_raw_key", type = "string", comment = "the snapshot it was compared with" },
        { name = "previous_raw_version_id", type = "string", comment = "that snapshot's version id" },
      ]
    }
    lake_objects = {
      description = "The lineage catalog: every raw and processed JSON object of the lake with its version id, sha256 and the raw object it was computed from."
      partition   = { name = "object_date", type = "date", comment = "fetch date of a raw object, as_of of a processed one" }
      columns = [
        { name = "key", type = "string", comment = "the object key" },
        { name = "version_id", type = "string", comment = "its version id" },
        { name = "kind", type = "string", comment = "raw, indicators, percentiles or features" },
        { name = "ticker", type = "string", comment = "the ticker" },
        { name = "source", type = "string", comment = "the data source of a raw object, the computation of a processed one" },
        { name = "sha256", type = "string", comment = "sha256 of the (uncompressed) body" },
        { name = "size", type = "bigint", comment = "bytes of the (uncompressed) body" },
        { name = "created_at", type = "timestamp", comment = "fetched_at of a raw object, computed_at of a processed one (UTC)" },
        { name = "computation_version", type = "string", comment = "null for raw objects" },
        { name = "source_raw_key", type = "string", comment = "the raw object a processed one was computed from" },
        { name = "source_raw_version_id", type = "string", comment = "that raw object's version id" },
        { name = "run_id", type = "string", comment = "the run that wrote it (null when the lake does not say)" },
      ]
    }
    runs = {
      description = "The runs that wrote to the lake, from their OpenLineage events in the lake."
      partition   = { name = "run_date", type = "date", comment = "the UTC date the run started" }
      columns = [
        { name = "run_id", type = "string", comment = "the run id" },
        { name = "job", type = "string", comment = "the job (daily_run or reprocess)" },
        { name = "status", type = "string", comment = "ok, partial, failed or interrupted" },
        { name = "started_at", type = "timestamp", comment = "its START event (UTC)" },
        { name = "ended_at", type = "timestamp", comment = "its COMPLETE or FAIL event (UTC; null while running)" },
        { name = "computation_version", type = "string", comment = "the computation version it ran" },
        { name = "objects_written", type = "bigint", comment = "lake objects it wrote" },
        { name = "outbox_pending", type = "bigint", comment = "objects it left in the outbox" },
        { name = "failed_tickers", type = "bigint", comment = "tickers that failed" },
      ]
    }
    quality = {
      description = "What the data-quality checks said of each ticker in each run (passed or not), from the runs' quality objects."
      partition   = { name = "run_date", type = "date", comment = "the UTC date of the run" }
      columns = [
        { name = "ticker", type = "string", comment = "the ticker" },
        { name = "market", type = "string", comment = "its market (US, SG, JP, HK, VN, TW)" },
        { name = "check_id", type = "string", comment = "the check's id (e.g. consistency.high_low)" },
        { name = "severity", type = "string", comment = "error or warn" },
        { name = "passed", type = "boolean", comment = "whether the check passed" },
        { name = "observed", type = "string", comment = "what was seen (JSON)" },
        { name = "expected", type = "string", comment = "what the threshold allows (JSON)" },
        { name = "details", type = "string", comment = "what is wrong and on which dates (empty when passed)" },
        { name = "as_of", type = "date", comment = "the last bar's date of the snapshot judged" },
        { name = "raw_key", type = "string", comment = "the raw snapshot judged (null when the vendor answer could not become one)" },
        { name = "raw_version_id", type = "string", comment = "that snapshot's version id" },
        { name = "raw_sha256", type = "string", comment = "that snapshot's body sha256" },
        { name = "policy", type = "string", comment = "block or warn: what an error finding did to the ticker" },
        { name = "checked_at", type = "timestamp", comment = "when the run checked (UTC)" },
        { name = "computation_version", type = "string", comment = "the computation version the run ran" },
        { name = "quality_key", type = "string", comment = "the run's quality object the row is from" },
        { name = "run_id", type = "string", comment = "the run" },
      ]
    }
  }

  # The views of src/tables/views.ts, in creation order (a view comes after the views it reads).
  views = [
    { name = "indicators_latest", description = "The latest indicators row per (ticker, as_of, computation_version): the one computed last." },
    { name = "percentiles_latest", description = "The latest percentiles row per (ticker, as_of, computation_version, metric): the one computed last." },
    { name = "features_latest", description = "The latest features row per (ticker, as_of, computation_version): the one computed last." },
    { name = "price_history", description = "Every version of every bar with known_from and known_until (null while current): the prices as known at T are the rows with known_from <= T and (known_until is null or known_until > T) and change <> 'removed'." },
    { name = "prices_latest", description = "The latest known values of every bar (its newest version, unless that one removed it)." },
  ]

  # Partition projection: Athena computes the partitions from these parameters instead of reading them from the
  # catalog, so new dates need no crawler and no ALTER TABLE ADD PARTITION. Every partition key of the lake is a
  # date (a day of the path), hence the date type; none is `injected`, which would make every query name the key.
  projection_range = "${var.projection_start_date},NOW"

  raw_table_name = "raw_snapshots"

  results_bucket_name = coalesce(var.results_bucket_name, "${var.bucket_name}-athena-results")

  tags = merge(var.tags, { Purpose = "marketlake SQL over the lake (Athena)" })
}

resource "aws_glue_catalog_database" "this" {
  name        = var.database_name
  description = "marketlake lake at ${local.lake_root}: query-ready tables (tables/), raw snapshots for audits (raw/)."
  tags        = local.tags
}

# The query-ready Parquet tables: tables/{table}/{partition}=YYYY-MM-DD/*.parquet, written by marketlake.
resource "aws_glue_catalog_table" "tables" {
  for_each = local.tables

  name          = each.key
  database_name = aws_glue_catalog_database.this.name
  description   = each.value.description
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                                                = "TRUE"
    classification                                          = "parquet"
    "projection.enabled"                                    = "true"
    "projection.${each.value.partition.name}.type"          = "date"
    "projection.${each.value.partition.name}.format"        = "yyyy-MM-dd"
    "projection.${each.value.partition.name}.range"         = local.projection_range
    "projection.${each.value.partition.name}.interval"      = "1"
    "projection.${each.value.partition.name}.interval.unit" = "DAYS"
    "storage.location.template"                             = "${local.lake_root}tables/${each.key}/${each.value.partition.name}=$${${each.value.partition.name}}/"
  }

  partition_keys {
    name    = each.value.partition.name
    type    = each.value.partition.type
    comment = each.value.partition.comment
  }

  storage_descriptor {
    location      = "${local.lake_root}tables/${each.key}/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters = {
        "serialization.format" = "1"
      }
    }

    dynamic "columns" {
      for_each = each.value.columns

      content {
        name    = columns.value.name
        type    = columns.value.type
        comment = columns.value.comment
      }
    }
  }
}

# The raw snapshots as stored (docs/design.md "Object bodies": one JSON document per line), for audits: what a
# vendor sent, bar by bar. Partitioned as the keys are: raw/{source}/{TICKER}/{FETCH_DATE}/{TS}.json[.gz].
resource "aws_glue_catalog_table" "raw_snapshots" {
  name          = local.raw_table_name
  database_name = aws_glue_catalog_database.this.name
  description   = "The raw snapshot documents (marketlake.raw/1) under raw/, one row per object. Name the ticker partition in its key form (^GSPC is _5EGSPC)."
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    EXTERNAL                              = "TRUE"
    classification                        = "json"
    "projection.enabled"                  = "true"
    "projection.source.type"              = "enum"
    "projection.source.values"            = "yfinance,csv,sample"
    "projection.ticker.type"              = "injected"
    "projection.fetch_date.type"          = "date"
    "projection.fetch_date.format"        = "yyyy-MM-dd"
    "projection.fetch_date.range"         = local.projection_range
    "projection.fetch_date.interval"      = "1"
    "projection.fetch_date.interval.unit" = "DAYS"
    "storage.location.template"           = "${local.lake_root}raw/$${source}/$${ticker}/$${fetch_date}/"
  }

  # The key segments. `ticker` is injected: an audit reads one ticker's snapshots, and the key form of a ticker
  # cannot be enumerated in advance.
  partition_keys {
    name    = "source"
    type    = "string"
    comment = "the data source segment of the key (yfinance, csv, sample)"
  }
  partition_keys {
    name    = "ticker"
    type    = "string"
    comment = "the ticker segment of the key: the ticker's key form, ^GSPC as _5EGSPC (src/market/ticker-segment.ts)"
  }
  partition_keys {
    name    = "fetch_date"
    type    = "date"
    comment = "the UTC date of the fetch (the date segment of the key)"
  }

  storage_descriptor {
    location = "${local.lake_root}raw/"
    # Text input decompresses by extension: {TS}.json.gz objects (MARKETLAKE_LAKE_COMPRESSION=gzip) read as gzip.
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "openx-json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
      parameters = {
        # A document that is not JSON fails the query instead of reading as a row of nulls: an audit must see it.
        "ignore.malformed.json" = "FALSE"
        # The document's source and ticker fields would clash with the partition keys of the same names.
        "mapping.document_source" = "source"
        "mapping.document_ticker" = "ticker"
      }
    }

    columns {
      name    = "schema"
      type    = "string"
      comment = "the document format, marketlake.raw/1"
    }
    columns {
      name    = "document_source"
      type    = "string"
      comment = "the document's source field (the same as the source partition)"
    }
    columns {
      name    = "document_ticker"
      type    = "string"
      comment = "the document's ticker field: the symbol, ^GSPC (the ticker partition holds its key form)"
    }
    columns {
      name    = "fetched_at"
      type    = "string"
      comment = "ISO 8601 UTC instant of the fetch (from_iso8601_timestamp() reads it)"
    }
    columns {
      name    = "interval"
      type    = "string"
      comment = "bar interval, 1d"
    }
    columns {
      name    = "currency"
      type    = "string"
      comment = "the vendor's currency (null when unknown)"
    }
    columns {
      name    = "exchange"
      type    = "string"
      comment = "the vendor's exchange (null when unknown)"
    }
    columns {
      name    = "timezone"
      type    = "string"
      comment = "the exchange time zone (null when unknown)"
    }
    columns {
      name    = "bars"
      type    = "array<struct<date:string,open:double,high:double,low:double,close:double,adj_close:double,volume:double>>"
      comment = "the bars as fetched, sorted by date (date as YYYY-MM-DD)"
    }
    columns {
      name    = "events"
      type    = "struct<dividends:array<struct<date:string,amount:double>>,splits:array<struct<date:string,numerator:double,denominator:double>>>"
      comment = "dividends and splits as fetched"
    }
    columns {
      name    = "dropped_bars"
      type    = "array<struct<date:string,reason:string>>"
      comment = "vendor rows that could not be used, and why (null when none)"
    }
    columns {
      name    = "synthetic"
      type    = "boolean"
      comment = "true for the seeded sample generator: never market data"
    }
  }
}

# ---- Athena ----------------------------------------------------------------------------------------------------

# Where Athena writes query results: a bucket of its own, private and encrypted, emptied after a few days.
resource "aws_s3_bucket" "results" {
  bucket        = local.results_bucket_name
  force_destroy = var.results_force_destroy
  tags          = local.tags

  lifecycle {
    precondition {
      condition     = length(local.results_bucket_name) <= 63
      error_message = "The results bucket name \"${local.results_bucket_name}\" is longer than 63 characters: set results_bucket_name."
    }
  }
}

resource "aws_s3_bucket_ownership_controls" "results" {
  bucket = aws_s3_bucket.results.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "results" {
  bucket = aws_s3_bucket.results.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_server_side_encryption_configuration" "results" {
  bucket = aws_s3_bucket.results.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

# Query results are copies of lake data: refuse every request that does not come over TLS, as the lake bucket does.
data "aws_iam_policy_document" "results" {
  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.results.arn, "${aws_s3_bucket.results.arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "results" {
  bucket = aws_s3_bucket.results.id
  policy = data.aws_iam_policy_document.results.json

  # S3 refuses concurrent changes to one bucket's access settings ("conflicting conditional operation").
  depends_on = [aws_s3_bucket_public_access_block.results, aws_s3_bucket_ownership_controls.results]
}

resource "aws_s3_bucket_lifecycle_configuration" "results" {
  bucket = aws_s3_bucket.results.id

  rule {
    id     = "expire-query-results"
    status = "Enabled"

    filter {}

    expiration {
      days = var.results_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_athena_workgroup" "this" {
  name        = var.workgroup_name
  description = "marketlake: SQL over the lake at ${local.lake_root} (Glue database ${var.database_name})."
  state       = "ENABLED"
  tags        = local.tags

  configuration {
    # Clients cannot override the result location, its encryption or the scan limit.
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query

    engine_version {
      # Trino-based; the views are SQL that DuckDB and Trino both run (src/tables/views.ts).
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location = "s3://${aws_s3_bucket.results.id}/"

      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

# The views as saved queries: Terraform cannot run a query, so each is run once after `apply` (and again when its
# SQL changes), in the order of local.views; see the README.
resource "aws_athena_named_query" "views" {
  for_each = { for index, view in local.views : view.name => merge(view, { step = index + 1 }) }

  name        = each.key
  description = "Creates the view ${each.key} (step ${each.value.step} of ${length(local.views)}): ${each.value.description}"
  database    = aws_glue_catalog_database.this.name
  workgroup   = aws_athena_workgroup.this.id
  query       = file("${path.module}/views/${each.key}.sql")
}
