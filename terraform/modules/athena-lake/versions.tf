terraform {
  # The same floor as the s3-data-lake module, so one root module can use both.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The same range as the s3-data-lake module; everything used here (Glue partition keys, Athena engine versions,
      # S3 lifecycle rules with an empty filter) works across it.
      version = ">= 5.86.0, < 7.0.0"
    }
  }
}
