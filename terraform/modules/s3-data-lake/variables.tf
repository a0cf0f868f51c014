# The lifecycle defaults below are the lake's policy, the same numbers as src/bucket/policy.ts (what
# `marketlake bucket setup` applies and `marketlake bucket check` expects). test/terraform/module.test.ts parses
# this module and fails when the two differ: change both together.

# ---- The bucket ------------------------------------------------------------------------------------------------

variable "bucket_name" {
  description = "Name of the S3 bucket (globally unique). The lake is then s3://<bucket_name>[/<key_prefix>]."
  type        = string

  validation {
    # S3's naming rules for general purpose buckets, which marketlake's --lake parser also applies.
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|-s3alias$|--ol-s3$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lower-case letters, digits, dots and hyphens, start and end with a letter or digit, and not look like an IP address or use a reserved prefix or suffix."
  }
}

variable "key_prefix" {
  description = "Key prefix of the lake inside the bucket, e.g. \"lake/\" for s3://bucket/lake; \"\" for the bucket root. The lifecycle rules cover <key_prefix>raw/ and <key_prefix>processed/."
  type        = string
  default     = ""
  nullable    = false

  validation {
    condition     = var.key_prefix == "" || can(regex("^[^/].*/$", var.key_prefix))
    error_message = "key_prefix must be empty or end with \"/\" (and not start with one), e.g. \"lake/\"."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket with every object version in it. Keep false for real data."
  type        = bool
  default     = false
  nullable    = false
}

# ---- Encryption ------------------------------------------------------------------------------------------------

variable "kms_key_arn" {
  description = "ARN of a KMS key for default encryption (aws:kms, with an S3 Bucket Key). null: SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:(key|alias)/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key or alias ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), or null for AES256."
  }
}

# ---- Lifecycle (defaults = src/bucket/policy.ts) ----------------------------------------------------------------

variable "lifecycle_prefixes" {
  description = "Prefixes (under key_prefix) whose objects are archived. [] removes the lifecycle configuration altogether."
  type        = list(string)
  default     = ["raw/", "processed/"]
  nullable    = false

  validation {
    condition     = alltrue([for p in var.lifecycle_prefixes : can(regex("^[^/].*/$", p))]) && length(distinct(var.lifecycle_prefixes)) == length(var.lifecycle_prefixes)
    error_message = "Each lifecycle prefix must end with \"/\", not start with one, and appear once."
  }
}

variable "glacier_transition_days" {
  description = "Days after creation before an object moves to GLACIER (Flexible Retrieval). null: no such transition."
  type        = number
  default     = 90

  validation {
    condition     = var.glacier_transition_days == null || try(var.glacier_transition_days >= 1 && floor(var.glacier_transition_days) == var.glacier_transition_days, false)
    error_message = "glacier_transition_days must be a whole number >= 1, or null."
  }
}

variable "deep_archive_transition_days" {
  description = "Days after creation before an object moves to DEEP_ARCHIVE. null: no such transition."
  type        = number
  default     = 365

  validation {
    condition     = var.deep_archive_transition_days == null || try(var.deep_archive_transition_days >= 1 && floor(var.deep_archive_transition_days) == var.deep_archive_transition_days, false)
    error_message = "deep_archive_transition_days must be a whole number >= 1, or null."
  }
}

variable "noncurrent_glacier_transition_days" {
  description = "Days after an object version becomes noncurrent before it moves to GLACIER. null: no such transition."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_glacier_transition_days == null || try(var.noncurrent_glacier_transition_days >= 1 && floor(var.noncurrent_glacier_transition_days) == var.noncurrent_glacier_transition_days, false)
    error_message = "noncurrent_glacier_transition_days must be a whole number >= 1, or null."
  }
}

variable "noncurrent_deep_archive_transition_days" {
  description = "Days after an object version becomes noncurrent before it moves to DEEP_ARCHIVE. null: no such transition."
  type        = number
  default     = 365

  validation {
    condition     = var.noncurrent_deep_archive_transition_days == null || try(var.noncurrent_deep_archive_transition_days >= 1 && floor(var.noncurrent_deep_archive_transition_days) == var.noncurrent_deep_archive_transition_days, false)
    error_message = "noncurrent_deep_archive_transition_days must be a whole number >= 1, or null."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads under the lifecycle prefixes are aborted (their parts are billed until then)."
  type        = number
  default     = 7
  nullable    = false

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number >= 1."
  }
}

variable "transition_default_minimum_object_size" {
  description = "varies_by_storage_class: objects under 128 KB (every marketlake object) are archived to GLACIER / DEEP_ARCHIVE too. all_storage_classes_128K: they stay in STANDARD (see the README's cost note)."
  type        = string
  default     = "varies_by_storage_class"
  nullable    = false

  validation {
    condition     = contains(["varies_by_storage_class", "all_storage_classes_128K"], var.transition_default_minimum_object_size)
    error_message = "transition_default_minimum_object_size must be \"varies_by_storage_class\" or \"all_storage_classes_128K\"."
  }
}

# ---- Access ----------------------------------------------------------------------------------------------------

variable "additional_bucket_policy_json" {
  description = "Extra bucket policy statements (a JSON policy document, e.g. from aws_iam_policy_document) merged with the module's deny-non-TLS statement. null: none."
  type        = string
  default     = null

  validation {
    condition     = var.additional_bucket_policy_json == null || can(jsondecode(var.additional_bucket_policy_json).Statement)
    error_message = "additional_bucket_policy_json must be a JSON policy document with a Statement list."
  }
}

# ---- Tags ------------------------------------------------------------------------------------------------------

variable "purpose" {
  description = "Value of the bucket's Purpose tag."
  type        = string
  default     = "marketlake market-data lake: raw vendor snapshots and computed indicators"
  nullable    = false

  validation {
    condition     = length(var.purpose) >= 1 && length(var.purpose) <= 256 && can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$", var.purpose))
    error_message = "purpose must be 1-256 characters of letters, digits, spaces and _ . : / = + - @ (S3 tag values)."
  }
}

variable "data_classification" {
  description = "Value of the bucket's DataClassification tag. The lake holds vendor market data (licence terms apply) and results computed from it."
  type        = string
  default     = "internal"
  nullable    = false

  validation {
    condition     = contains(["public", "internal", "confidential", "restricted"], var.data_classification)
    error_message = "data_classification must be one of public, internal, confidential, restricted."
  }
}

variable "tags" {
  description = "Extra tags for the bucket. Purpose and DataClassification come from their own variables and win over these."
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
