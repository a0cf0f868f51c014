# The lake bucket and SQL over it: the s3-data-lake module's bucket feeds the athena-lake module's Glue tables.
#   terraform init && terraform apply -var bucket_name=my-marketlake-data
# then point marketlake at the lake (export MARKETLAKE_LAKE=$(terraform output -raw lake_url)), write the tables
# (marketlake writes tables/ as it runs), and create the views once: see terraform output create_views_hint.

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
  key_prefix          = var.key_prefix
  data_classification = "internal"
}

module "athena" {
  source = "../../modules/athena-lake"

  # The bucket's name as the lake module outputs it, so the tables are created after the bucket.
  bucket_name           = module.data_lake.bucket_name
  key_prefix            = var.key_prefix
  database_name         = "marketlake_${var.environment}"
  workgroup_name        = "marketlake-${var.environment}"
  projection_start_date = var.projection_start_date
  # The defaults: a query stops after scanning 10 GiB; results are deleted after 7 days.
  # bytes_scanned_cutoff_per_query = 10737418240
  # results_expiration_days        = 7
}
