# ---- The lake --------------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the lake bucket (the s3-data-lake module's bucket_name output). The tables read s3://<bucket_name>/<key_prefix>tables/ and raw/."
  type        = string

  validation {
    # S3's naming rules for general purpose buckets, as in the s3-data-lake module.
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|-s3alias$|--ol-s3$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens, start and end with a letter or digit, and not look like an IP address or use a reserved prefix or suffix."
  }
}

variable "key_prefix" {
  description = "Key prefix of the lake inside the bucket, e.g. \"lake/\" for s3://bucket/lake; \"\" for the bucket root (the s3-data-lake module's key_prefix)."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.key_prefix == "" || can(regex("^[^/].*/$", var.key_prefix))
    error_message = "key_prefix must be empty or end with \"/\" (and not start with one), e.g. \"lake/\"."
  }
}

# ---- Catalog ---------------------------------------------------------------------------------------------------

variable "database_name" {
  description = "Name of the Glue database that holds the tables and views."
  type        = string
  default     = "marketlake"
  nullable    = false

  validation {
    # Athena reads lower-case names only; a hyphen would need quoting in every query.
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.database_name))
    error_message = "database_name must be 1-255 characters of lower-case letters, digits and underscores."
  }
}

variable "projection_start_date" {
  description = "First date (YYYY-MM-DD) of every date partition's projection; the range runs to NOW. Rows under an earlier date (a fetch date, an as_of, a run date) are invisible to Athena, and every day of the range is a prefix an unfiltered query lists."
  type        = string
  default     = "2020-01-01"
  nullable    = false

  validation {
    condition     = can(regex("^\\d{4}-\\d{2}-\\d{2}$", var.projection_start_date)) && can(formatdate("YYYY-MM-DD", "${var.projection_start_date}T00:00:00Z"))
    error_message = "projection_start_date must be a calendar date written YYYY-MM-DD, e.g. \"2020-01-01\"."
  }
}

# ---- Athena ----------------------------------------------------------------------------------------------------

variable "workgroup_name" {
  description = "Name of the Athena workgroup (engine version 3, its configuration enforced on every query)."
  type        = string
  default     = "marketlake"
  nullable    = false

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,128}$", var.workgroup_name))
    error_message = "workgroup_name must be 1-128 characters of letters, digits, dots, underscores and hyphens."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query of the workgroup once it has scanned this many bytes (billing is per byte scanned). Default 10 GiB; Athena's minimum is 10 MB (10485760)."
  type        = number
  default     = 10737418240
  nullable    = false

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760 && floor(var.bytes_scanned_cutoff_per_query) == var.bytes_scanned_cutoff_per_query
    error_message = "bytes_scanned_cutoff_per_query must be a whole number of bytes >= 10485760 (10 MB, Athena's minimum)."
  }
}

variable "results_bucket_name" {
  description = "Name of the bucket the module creates for Athena's query results. null: \"<bucket_name>-athena-results\"."
  type        = string
  default     = null

  validation {
    condition     = var.results_bucket_name == null || (can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.results_bucket_name)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|-s3alias$|--ol-s3$", var.results_bucket_name)))
    error_message = "results_bucket_name must follow S3's bucket naming rules (3-63 characters of lower-case letters, digits, dots and hyphens), or be null."
  }
}

variable "results_expiration_days" {
  description = "Days after which query results are deleted from the results bucket."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.results_expiration_days >= 1 && floor(var.results_expiration_days) == var.results_expiration_days
    error_message = "results_expiration_days must be a whole number >= 1."
  }
}

variable "results_force_destroy" {
  description = "Let `terraform destroy` delete the results bucket while it still holds query results (they are copies, and expire anyway)."
  type        = bool
  default     = true
  nullable    = false
}

# ---- Tags ------------------------------------------------------------------------------------------------------

variable "tags" {
  description = "Extra tags for the database, the workgroup and the results bucket. Purpose is set by the module and wins over these."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition = alltrue([
      for k, v in var.tags : length(k) >= 1 && length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")
    ])
    error_message = "Tag keys must be 1-128 characters and not start with \"aws:\"; values at most 256 characters."
  }
}
