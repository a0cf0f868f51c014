output "lake_url" {
  description = "MARKETLAKE_LAKE for this bucket."
  value       = module.data_lake.lake_url
}

output "database_name" {
  description = "The Athena (Glue) database of the tables and views."
  value       = module.athena.database_name
}

output "workgroup_name" {
  description = "The Athena workgroup to run queries in."
  value       = module.athena.workgroup_name
}

output "named_query_ids" {
  description = "The named queries that create the views, by view name."
  value       = module.athena.named_query_ids
}

output "create_views_hint" {
  description = "Shell commands that create the views, in order (run once after apply, and after a view changes)."
  value = join("\n", [
    for name in module.athena.view_names :
    "aws athena start-query-execution --work-group ${module.athena.workgroup_name} --query-execution-context Database=${module.athena.database_name} --query-string \"$(aws athena get-named-query --named-query-id ${module.athena.named_query_ids[name]} --query NamedQuery.QueryString --output text)\""
  ])
}
