output "lake_url" {
  description = "MARKETLAKE_LAKE for this bucket."
  value       = module.data_lake.lake_url
}

output "bucket_arn" {
  description = "ARN of the lake bucket."
  value       = module.data_lake.bucket_arn
}

output "bucket_region" {
  description = "Region of the lake bucket."
  value       = module.data_lake.bucket_region
}

output "check_command" {
  description = "Run this to compare the bucket with marketlake's policy."
  value       = module.data_lake.check_command
}
