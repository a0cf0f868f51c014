variable "region" {
  description = "AWS region of the bucket."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "bucket_name" {
  description = "Name of the lake bucket (globally unique)."
  type        = string
}

variable "environment" {
  description = "Environment tag: dev, staging or prod."
  type        = string
  default     = "dev"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment must be dev, staging or prod."
  }
}
