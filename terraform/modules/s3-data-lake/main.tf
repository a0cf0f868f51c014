# The marketlake data lake bucket: the Terraform form of the policy in src/bucket/policy.ts
# (`marketlake bucket setup` applies the same policy with the AWS SDK; `marketlake bucket check` reports drift).

locals {
  # The same as DEFAULT_SSE_ALGORITHM in src/bucket/policy.ts.
  default_sse_algorithm = "AES256"
  sse_algorithm         = var.kms_key_arn == null ? local.default_sse_algorithm : "aws:kms"

  # Rule IDs as the CLI writes them (lifecycleRuleId in src/bucket/policy.ts): marketlake-raw, marketlake-lake/raw.
  lifecycle_rules = { for p in var.lifecycle_prefixes : "marketlake-${trimsuffix("${var.key_prefix}${p}", "/")}" => "${var.key_prefix}${p}" }

  required_tags = {
    Purpose            = var.purpose
    DataClassification = var.data_classification
  }
  tags = merge(var.tags, local.required_tags)
}

resource "aws_s3_bucket" "this" {
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
  tags          = local.tags
}

# ACLs off: the bucket owner owns every object, and access is decided by policies alone.
resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = true
  restrict_public_buckets = true
}

# Keys are written once; versioning is the second guard against overwrites and deletes (docs/design.md "Keys").
resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    # One KMS data key per bucket and period instead of one request per object: fewer KMS calls, lower cost.
    bucket_key_enabled = local.sse_algorithm == "aws:kms"
  }
}

# Refuse every request that does not come over TLS, whoever sends it.
data "aws_iam_policy_document" "bucket" {
  source_policy_documents = var.additional_bucket_policy_json == null ? [] : [var.additional_bucket_policy_json]

  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.this.arn,
      "${aws_s3_bucket.this.arn}/*",
    ]

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

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = data.aws_iam_policy_document.bucket.json

  # S3 refuses concurrent changes to one bucket's access settings ("conflicting conditional operation").
  depends_on = [aws_s3_bucket_public_access_block.this, aws_s3_bucket_ownership_controls.this]
}

# Archive raw snapshots and computed results: GLACIER, then DEEP_ARCHIVE, for current and noncurrent versions.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = length(local.lifecycle_rules) > 0 ? 1 : 0

  bucket = aws_s3_bucket.this.id

  # Since September 2024 S3 does not transition objects under 128 KB by default; marketlake's objects are a few KB.
  transition_default_minimum_object_size = var.transition_default_minimum_object_size

  dynamic "rule" {
    for_each = local.lifecycle_rules

    content {
      id     = rule.key
      status = "Enabled"

      filter {
        prefix = rule.value
      }

      dynamic "transition" {
        for_each = var.glacier_transition_days == null ? [] : [var.glacier_transition_days]
        content {
          days          = transition.value
          storage_class = "GLACIER"
        }
      }

      dynamic "transition" {
        for_each = var.deep_archive_transition_days == null ? [] : [var.deep_archive_transition_days]
        content {
          days          = transition.value
          storage_class = "DEEP_ARCHIVE"
        }
      }

      dynamic "noncurrent_version_transition" {
        for_each = var.noncurrent_glacier_transition_days == null ? [] : [var.noncurrent_glacier_transition_days]
        content {
          noncurrent_days = noncurrent_version_transition.value
          storage_class   = "GLACIER"
        }
      }

      dynamic "noncurrent_version_transition" {
        for_each = var.noncurrent_deep_archive_transition_days == null ? [] : [var.noncurrent_deep_archive_transition_days]
        content {
          noncurrent_days = noncurrent_version_transition.value
          storage_class   = "DEEP_ARCHIVE"
        }
      }

      abort_incomplete_multipart_upload {
        days_after_initiation = var.abort_incomplete_multipart_upload_days
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.glacier_transition_days == null || var.deep_archive_transition_days == null || try(var.deep_archive_transition_days > var.glacier_transition_days, false)
      error_message = "deep_archive_transition_days must be greater than glacier_transition_days."
    }
    precondition {
      condition     = var.noncurrent_glacier_transition_days == null || var.noncurrent_deep_archive_transition_days == null || try(var.noncurrent_deep_archive_transition_days > var.noncurrent_glacier_transition_days, false)
      error_message = "noncurrent_deep_archive_transition_days must be greater than noncurrent_glacier_transition_days."
    }
  }

  # Noncurrent-version rules only act on a versioned bucket.
  depends_on = [aws_s3_bucket_versioning.this]
}
