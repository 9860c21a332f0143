import AnonVMASim
import ArgumentParser
import Conformance
import Foundation
import ScenePlayer
import SceneScript
import StandardStreams

#if canImport(Glibc)
import Glibc
#endif

struct Conform: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a scene on the model and on this machine's Linux kernel, and compare them after every step.",
    discussion: """
      Each scene process is a real process (the executor anonvis-conform-exec); after every step \
      each process's VMAs (/proc/PID/maps) and pages (/proc/PID/pagemap, /proc/kpagecount, \
      /proc/kpageflags) are compared with the model's: present or not, the zero page, which \
      places share a page, mapcount, exclusively mapped. Needs root on Linux. Exit status: 0 when \
      every step agrees, 1 on a disagreement, 2 when it cannot run (not root, not Linux, a scene \
      error, an operation with no counterpart here unless --skip-unsupported).
      """)

  @Argument(help: "Scene file (none with --random).")
  var file: String?

  @Option(
    help: ArgumentHelp("Instead of a file: this many random scenes (seeded, the same on every run).", valueName: "N"))
  var random: Int?

  @Option(help: ArgumentHelp("The seed of --random.", valueName: "S"))
  var seed: UInt64 = 1

  @Option(help: ArgumentHelp("The model to compare with (default: 6.1 on a 6.x kernel).", valueName: "kernel"))
  var kernel: KernelVersion?

  @Flag(help: "Leave out the steps with no counterpart here (and those that need them) and compare the rest.")
  var skipUnsupported = false

  @Option(help: ArgumentHelp("Time limit of one step on the kernel, in seconds.", valueName: "seconds"))
  var stepTimeout: Int = 30

  @Option(help: ArgumentHelp("Test hook: flip-exclusive:STEP, crash:STEP or hang:STEP.", visibility: .hidden))
  var testFault: String?

  @OptionGroup var limitOptions: LimitOptions

  /// The most pages the scene's mappings may hold on the machine.
  static let maxPages = 65_536

  func validate() throws {
    guard (file == nil) != (random == nil) else { throw ValidationError("give a scene file or --random N, not both") }
    if let random, random < 1 || random > 100_000 { throw ValidationError("--random is 1..100000 scenes") }
    guard stepTimeout > 0, stepTimeout <= 3600 else { throw ValidationError("--step-timeout is 1..3600 seconds") }
  }

  func run() throws {
    let release = try Conform.runningLinux()
    if let random {
      try Conform.requireRoot()
      let model = try kernel ?? Conform.defaultModel(release: release)
      guard let exec = ConformExecutor.path else { throw Conform.noExecutor }
      let status = try ConformCampaign(
        count: random, seed: seed, model: model, stepTimeoutMS: stepTimeout * 1000, executorPath: exec,
        limits: limitOptions.limits
      ).run(release: release)
      if status != 0 { throw ExitCode(status) }
      return
    }
    let file = file ?? ""
    let source = try SceneLoader.load(file).get()
    let parsed = Parser.parse(source)
    let renderer = DiagnosticRenderer(fileName: file, source: source)
    if parsed.hasErrors {
      printError(renderer.render(all: Array(parsed.diagnostics.prefix(50))))
      throw ExitCode(2)
    }
    let model = try kernel ?? Conform.defaultModel(release: release)
    try Conform.requireRoot()
    let fault = try testFault.map(ConformFault.init(parsing:))
    let plan = try ConformRun.prepare(
      scene: parsed, file: file, model: model, machine: Conform.machine(), skipUnsupported: skipUnsupported,
      limits: limitOptions.limits)
    guard let exec = ConformExecutor.path else { throw Conform.noExecutor }
    let executor = try ConformExecutor(path: exec, stepTimeoutMS: stepTimeout * 1000)
    print(
      "conform \(TextSafety.escape(file)): model \(model.rawValue), kernel Linux \(release) "
        + "(executor pid \(executor.pid))")
    let status = plan.run(on: executor, fault: fault).status
    executor.stop()
    ConformExecutor.exitIfInterrupted(executor)
    if status != 0 { throw ExitCode(status) }
  }

  static let noExecutor = CLIError.error(
    "conform: the executor anonvis-conform-exec is not next to anonvis (build it: swift build)")

  static func requireRoot(_ command: String = "conform") throws {
    guard getuid() == 0 else {
      throw CLIError.error(
        "\(command) needs root: it reads " + KernelFactReader.rootFiles.joined(separator: ", ")
          + "; run it as root (e.g. with sudo)")
    }
  }

  /// The running kernel's release, or exit 2 when this is not Linux.
  static func runningLinux(_ command: String = "conform") throws -> String {
    var u = utsname()
    uname(&u)
    let name = withUnsafeBytes(of: &u.sysname) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    guard name == "Linux" else { throw CLIError.error("\(command) runs on Linux only (this is \(name))") }
    return release
  }

  /// The model of a kernel release: 6.x for Linux 6.
  static func defaultModel(release: String, command: String = "conform") throws -> KernelVersion {
    guard release.hasPrefix("6.") else {
      let choose = command == "conform" ? "choose one with --kernel" : "'anonvis conform --kernel K' compares another"
      throw CLIError.error("\(command): no model matches Linux \(release); \(choose)")
    }
    return .v6
  }

  /// NUMA nodes and swap of this machine.
  static func machine() -> Machine {
    let nodes =
      (try? FileManager.default.contentsOfDirectory(atPath: "/sys/devices/system/node"))?
      .filter { $0.hasPrefix("node") && $0.dropFirst(4).allSatisfy(\.isNumber) }.count ?? 1
    let swaps = KernelFactReader.text("/proc/swaps")?.split(separator: "\n").count ?? 1
    return Machine(numaNodes: max(1, nodes), hasSwap: swaps > 1)
  }
}

/// A test hook: a wrong prediction, a crashing or a hanging scene process, at a step.
struct ConformFault {
  enum Kind: String {
    case flipExclusive = "flip-exclusive"
    case crash, hang
  }
  var kind: Kind
  var step: Int

  init(parsing text: String) throws {
    let parts = text.split(separator: ":")
    guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), let step = Int(parts[1]) else {
      throw CLIError.error("--test-fault: expected flip-exclusive:STEP, crash:STEP or hang:STEP")
    }
    self.kind = kind
    self.step = step
  }
}
