import AnonVMASim
import Foundation

/// The figures as a table (each beside its target) or as JSON (`--json`).
enum Report {
  static func table(_ figures: [Figure], quick: Bool) -> String {
    var out = "anonvis-bench\(quick ? " --quick" : "") (\(ProcessInfo.processInfo.activeProcessorCount) cores)\n"
    for f in figures {
      // A name longer than its column gets a line of its own (never cut); its figures follow.
      var line =
        f.name.count > 72
        ? "  \(f.name)\n  " + String(repeating: " ", count: 72)
        : "  " + f.name.padding(toLength: 72, withPad: " ", startingAt: 0)
      line += String(format: "%12.3f ", f.value) + f.unit.padding(toLength: 9, withPad: " ", startingAt: 0)
      if let s = f.spread { line += String(format: " ±%.3f", s) }
      if let t = f.target {
        line += String(format: "   target %.3g ", t) + f.unit + ": " + ((f.met ?? false) ? "met" : "MISSED")
      }
      if !f.note.isEmpty { line += "  (\(f.note))" }
      out += line + "\n"
    }
    return out
  }

  static func json(_ figures: [Figure], quick: Bool) -> String {
    let items: [JSON] = figures.map { f in
      .object([
        ("name", .string(f.name)), ("value", .raw(String(format: "%.4f", f.value))), ("unit", .string(f.unit)),
        ("spread", f.spread.map { .raw(String(format: "%.4f", $0)) } ?? .null),
        ("target", f.target.map { .raw(String(format: "%.4f", $0)) } ?? .null),
        ("met", f.met.map { .bool($0) } ?? .null),
      ])
    }
    return JSON.object([("quick", .bool(quick)), ("figures", .array(items))]).serialized + "\n"
  }
}
