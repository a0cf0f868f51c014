/** The data-quality checks engine (issue 14): pure functions; storage, alerts and the run's wiring live elsewhere. */
export {
  CHECKS,
  CHECK_IDS,
  checkDefinition,
  checksOfPhase,
  isCheckId,
  type CheckDefinition,
  type CheckId,
  type CheckPhase,
  type Thresholds,
} from './catalog.js';
export {
  DEFAULT_QUALITY_CONFIG,
  loadQualityConfig,
  parseQualityConfig,
  POLICIES,
  QUALITY_CONFIG_SCHEMA,
  settingsFor,
  type CheckSettings,
  type QualityConfig,
  type QualityPolicy,
} from './config.js';
export {
  SEVERITIES,
  type CheckVerdict,
  type JudgedSnapshot,
  type Observation,
  type QualityResult,
  type Severity,
} from './finding.js';
export { checkSnapshot, SNAPSHOT_CHECKS, type SnapshotCheckInput } from './snapshot-checks.js';
export { checkResults, RESULT_CHECKS, type ResultCheckInput } from './result-checks.js';
export {
  checkAgainstPeers,
  missingDates,
  PEER_CHECKS,
  peerCalendars,
  type PeerCalendar,
  type PeerCheckInput,
  type PeerSeries,
} from './peer-checks.js';
