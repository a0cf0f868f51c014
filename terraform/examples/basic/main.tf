# A minimal root module: one lake bucket with the marketlake policy.
#   terraform init && terraform apply -var bucket_name=my-marketlake-data
# then point marketlake at it: export MARKETLAKE_LAKE=$(terraform output -raw lake_url)

terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.86.0, < 7.0.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "marketlake"
      Environment = var.environment
    }
  }
}

module "data_lake" {
  source = "../../modules/s3-data-lake"

  bucket_name         = var.bucket_name
  data_classification = "internal"
  # The defaults are the lake's policy (src/bucket/policy.ts); override only with a reason, e.g.:
  # transition_default_minimum_object_size = "all_storage_classes_128K"  # keep objects under 128 KB in STANDARD
  # kms_key_arn                            = aws_kms_key.lake.arn
}
