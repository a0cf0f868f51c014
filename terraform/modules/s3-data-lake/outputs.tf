output "bucket_name" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the bucket, for IAM policies (add \"/*\" for its objects)."
  value       = aws_s3_bucket.this.arn
}

output "bucket_region" {
  description = "Region the bucket lives in (set AWS_REGION to it for marketlake)."
  value       = aws_s3_bucket.this.region
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "lake_url" {
  description = "The lake location for marketlake: MARKETLAKE_LAKE=<lake_url> or --lake <lake_url>."
  value       = var.key_prefix == "" ? "s3://${aws_s3_bucket.this.id}" : "s3://${aws_s3_bucket.this.id}/${trimsuffix(var.key_prefix, "/")}"
}

output "sse_algorithm" {
  description = "Default encryption: AES256 or aws:kms."
  value       = local.sse_algorithm
}

output "lifecycle_rule_ids" {
  description = "IDs of the archive rules, one per lifecycle prefix."
  value       = keys(local.lifecycle_rules)
}

output "check_command" {
  description = "The command that compares the bucket with marketlake's policy (exit 1 on drift)."
  value       = "marketlake bucket check --lake ${var.key_prefix == "" ? "s3://${aws_s3_bucket.this.id}" : "s3://${aws_s3_bucket.this.id}/${trimsuffix(var.key_prefix, "/")}"}${var.kms_key_arn == null ? "" : " --kms-key-id ${var.kms_key_arn}"}"
}
