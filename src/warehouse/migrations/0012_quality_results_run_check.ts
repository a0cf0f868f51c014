/**
 * `quality_results` names its run through statement-level triggers instead of a foreign key (issue 14's cost).
 *
 * A run of 500 tickers stores about 8,500 verdicts in one INSERT. The foreign key to `quality_runs` checked each
 * row on its own (one locking lookup per row): about 120 ms of the INSERT's 210 on PGlite, the largest single part
 * of what the checks add to a daily run (docs/benchmarks.md "Data quality"). The same rule, checked once per
 * statement over the rows it wrote, costs a few milliseconds:
 *
 * - an INSERT or UPDATE whose verdicts name a run that `quality_runs` does not have is refused with SQLSTATE
 *   23503 (`foreign_key_violation`). The check locks the runs it finds as the key did (FOR KEY SHARE), so a
 *   concurrent delete of one waits for the verdicts' transaction and then deletes them too;
 * - deleting runs deletes their verdicts (the key's `on delete cascade`), and truncating `quality_runs` empties
 *   `quality_results` (the key refused a truncate of the runs alone).
 *
 * What differs from the key (none of it is something marketlake does): changing a run's `run_id` is not guarded;
 * the functions run with the caller's privileges, not the table owner's; a data-only dump no longer lists the runs
 * before their verdicts, so restoring one needs `--disable-triggers`; down() restores the key only where no verdict
 * lacks its run.
 *
 * Frozen once released.
 */
import { sql, type Kysely, type Migration } from 'kysely';

async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table quality_results drop constraint quality_results_run_id_fkey`.execute(db);
  // `set search_path from current`: the tables are the ones the migration saw, whatever schema the caller is in.
  await sql`
    create function quality_results_name_their_runs() returns trigger language plpgsql
    set search_path from current as $body$
    declare
      named bigint;
      found bigint;
    begin
      select count(distinct run_id) into named from written_verdicts;
      select count(*) into found from (
        select from quality_runs where run_id in (select run_id from written_verdicts) for key share
      ) as runs;
      if found < named then
        raise exception 'quality_results: a verdict names a run that quality_runs does not have'
          using errcode = 'foreign_key_violation';
      end if;
      return null;
    end
    $body$`.execute(db);
  // A trigger with a transition table takes one event, so inserts and updates have one each.
  for (const event of ['insert', 'update'] as const) {
    await sql`
      create trigger ${sql.raw(`quality_results_${event}_names_run`)} after ${sql.raw(event)} on quality_results
      referencing new table as written_verdicts
      for each statement execute function quality_results_name_their_runs()`.execute(db);
  }
  await sql`
    create function quality_runs_delete_their_verdicts() returns trigger language plpgsql
    set search_path from current as $body$
    begin
      delete from quality_results where run_id in (select run_id from deleted_runs);
      return null;
    end
    $body$`.execute(db);
  await sql`
    create trigger quality_runs_delete_cascades after delete on quality_runs
    referencing old table as deleted_runs
    for each statement execute function quality_runs_delete_their_verdicts()`.execute(db);
  await sql`
    create function quality_runs_truncate_their_verdicts() returns trigger language plpgsql
    set search_path from current as $body$
    begin
      -- A DELETE: TRUNCATE is refused here when the same statement truncated quality_results too.
      delete from quality_results;
      return null;
    end
    $body$`.execute(db);
  await sql`
    create trigger quality_runs_truncate_cascades after truncate on quality_runs
    for each statement execute function quality_runs_truncate_their_verdicts()`.execute(db);
}

async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger quality_runs_truncate_cascades on quality_runs`.execute(db);
  await sql`drop function quality_runs_truncate_their_verdicts()`.execute(db);
  await sql`drop trigger quality_runs_delete_cascades on quality_runs`.execute(db);
  await sql`drop function quality_runs_delete_their_verdicts()`.execute(db);
  await sql`drop trigger quality_results_insert_names_run on quality_results`.execute(db);
  await sql`drop trigger quality_results_update_names_run on quality_results`.execute(db);
  await sql`drop function quality_results_name_their_runs()`.execute(db);
  await sql`
    alter table quality_results add constraint quality_results_run_id_fkey
    foreign key (run_id) references quality_runs (run_id) on delete cascade`.execute(db);
}

export const migration0012QualityResultsRunCheck: Migration = { up, down };
