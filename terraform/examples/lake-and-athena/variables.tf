variable "region" {
  description = "AWS region of the bucket, the Glue database and the Athena workgroup."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "bucket_name" {
  description = "Name of the lake bucket (globally unique). Query results go to <bucket_name>-athena-results."
  type        = string
}

variable "key_prefix" {
  description = "Key prefix of the lake inside the bucket (\"lake/\" for s3://bucket/lake), \"\" for the bucket root."
  type        = string
  default     = ""
}

variable "projection_start_date" {
  description = "The earliest date (YYYY-MM-DD) of any partition in the lake: fetch dates, as_of dates, run dates."
  type        = string
  default     = "2020-01-01"
}

variable "environment" {
  description = "Environment tag, also in the database and workgroup names: dev, staging or prod."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}
