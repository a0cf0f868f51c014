output "database_name" {
  description = "Name of the Glue database (the Athena database of the tables and views)."
  value       = aws_glue_catalog_database.this.name
}

output "workgroup_name" {
  description = "Name of the Athena workgroup: pass it with every query (e.g. --work-group)."
  value       = aws_athena_workgroup.this.name
}

output "results_bucket" {
  description = "Name of the bucket that holds Athena's query results."
  value       = aws_s3_bucket.results.id
}

output "results_bucket_arn" {
  description = "ARN of the results bucket, for IAM policies (add \"/*\" for its objects)."
  value       = aws_s3_bucket.results.arn
}

output "table_names" {
  description = "Names of the Glue tables: the query-ready tables, then the raw snapshot table."
  value       = concat([for name, table in aws_glue_catalog_table.tables : table.name], [aws_glue_catalog_table.raw_snapshots.name])
}

output "raw_table_name" {
  description = "Name of the table over the raw snapshot documents (raw/)."
  value       = aws_glue_catalog_table.raw_snapshots.name
}

output "view_names" {
  description = "Names of the views, in the order their named queries must run."
  value       = [for view in local.views : view.name]
}

output "named_query_ids" {
  description = "ID of the named query that creates each view, by view name."
  value       = { for name, query in aws_athena_named_query.views : name => query.id }
}
