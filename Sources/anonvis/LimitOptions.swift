import AnonVMASim
import ArgumentParser
import Foundation
import ScenePlayer
import StandardStreams

/// The budget options every command that runs a scene takes (issue: "every command has bounds
/// on memory and time"); the defaults are ``Budget``'s and 2 GB (512 MB for `races`).
struct LimitOptions: ParsableArguments {
  @Flag(name: .shortAndLong, help: "No progress line on standard error (check: also nothing for scenes that pass).")
  var quiet = false
  @Option(
    help: ArgumentHelp(
      "Most memory to use, in MB: the resident set, read after every step (races: every 256 states).",
      discussion: "Default: 2048 (races: 512).", valueName: "MB"))
  var maxMemory: Int?
  @Option(help: ArgumentHelp("Most pages ever allocated.", visibility: .hidden))
  var maxPages: Int?
  @Option(name: .customLong("max-ptes"), help: ArgumentHelp("Most page-table entries alive.", visibility: .hidden))
  var maxPTEs: Int?
  @Option(help: ArgumentHelp("Most processes ever created.", visibility: .hidden))
  var maxProcesses: Int?
  @Option(name: .customLong("max-vmas"), help: ArgumentHelp("Most VMAs ever created.", visibility: .hidden))
  var maxVMAs: Int?
  @Option(name: .customLong("max-anon-vmas"), help: ArgumentHelp("Most anon_vmas ever allocated.", visibility: .hidden))
  var maxAnonVMAs: Int?
  @Option(help: ArgumentHelp("Most anon_vma_chains ever allocated.", visibility: .hidden))
  var maxChains: Int?
  @Option(
    help: ArgumentHelp(
      "Most work: micro-steps, page-table entries written, addresses walked (races: transitions weighted by world size).",
      visibility: .hidden))
  var maxWork: Int?

  func validate() throws {
    let given = [maxMemory, maxPages, maxPTEs, maxProcesses, maxVMAs, maxAnonVMAs, maxChains, maxWork]
    if given.contains(where: { ($0 ?? 1) < 1 }) {
      throw ValidationError("every --max-... limit must be a positive number")
    }
    if (maxMemory ?? 0) > Int.max >> 20 { throw ValidationError("--max-memory is too large") }
  }

  /// The limits, with the process's resident memory as the probe and no progress line.
  var limits: Limits { limits(progress: nil) }

  /// The limits, reporting progress to `line`; `memory` MB unless `--max-memory` says otherwise.
  func limits(progress line: ProgressLine?, memory: Int = 2048) -> Limits {
    var b = Budget()
    if let maxPages { b.pages = maxPages }
    if let maxPTEs { b.pageTableEntries = maxPTEs }
    if let maxProcesses { b.processes = maxProcesses }
    if let maxVMAs { b.vmas = maxVMAs }
    if let maxAnonVMAs { b.anonVMAs = maxAnonVMAs }
    if let maxChains { b.chains = maxChains }
    if let maxWork { b.work = maxWork }
    var limits = Limits(budget: b, memoryBytes: (maxMemory ?? memory) << 20, memoryProbe: residentBytes)
    if let line {
      limits.progress = { done, total in line.report(done, total) }
    }
    return limits
  }
}

/// The resident set size of this process (`/proc/self/statm`, second field, in pages); 0 when it
/// cannot be read.
@Sendable func residentBytes() -> Int {
  let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return 0 }
  defer { close(fd) }
  var buffer = [UInt8](repeating: 0, count: 128)
  let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
  guard n > 0 else { return 0 }
  let fields = String(decoding: buffer[0..<n], as: UTF8.self).split(separator: " ")
  guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The most resident memory this process has used so far, in bytes (`getrusage`'s peak).
func peakResidentBytes() -> Int {
  var usage = rusage()
  guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
  return usage.ru_maxrss * 1024
}
