import Synchronization

@testable import ScenePlayer

/// One-thread searches with the default bounds, by explorer name, reduction and symmetry.
private let searches = Mutex<[String: RaceExplorer.Report]>([:])

/// The one-thread search of `explorer` (named as `raceExplorers` names it) with the default
/// bounds, made once for every test that compares against it: several suites check the same
/// search of every race scene (the full one against the reduced one, one thread against two,
/// fingerprints against whole worlds), and a search is deterministic (`minimal` checks that, and
/// the thread tests compare a second search made on threads with this one). A search made while
/// another test is making the same one is made twice, not waited for.
func sharedSearch(
  _ name: String, _ explorer: RaceExplorer, reduction: RaceExplorer.Reduction = .ampleSets, symmetry: Bool = true
) -> RaceExplorer.Report {
  let key = "\(name)\u{0}\(reduction.name)\u{0}\(symmetry)"
  if let report = searches.withLock({ $0[key] }) { return report }
  let report = explorer.explore(reduction: reduction, symmetry: symmetry)
  searches.withLock { $0[key] = report }
  return report
}
