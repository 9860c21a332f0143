import AnonVMASim
import SceneScript

/// Graphviz DOT of the forest at a step: processes, VMAs, anon_vmas, chains, root (and parent)
/// pointers, and the held lock.
public enum DOTExporter {
  /// A DOT string of label lines: each line escaped (scene text never reaches the file raw,
  /// a newline in it stays the visible `\n`), joined by DOT's `\n` line break.
  static func q(_ lines: String...) -> String { q(lines: lines) }

  static func q(lines: [String]) -> String {
    var pieces: [String] = []
    for (i, line) in lines.enumerated() {
      if i > 0 { pieces.append("\\n") }
      for ch in TextSafety.escape(line) {
        switch ch {
        case "\"": pieces.append("\\\"")
        case "\\": pieces.append("\\\\")
        default: pieces.append(String(ch))
        }
      }
    }
    // Graphviz's scanner takes at most 16,384 bytes in one quoted string; longer text is written
    // as quoted strings joined by DOT's '+', cut between escapes, never inside one.
    var out = "\""
    var bytes = 0
    for piece in pieces {
      if bytes + piece.utf8.count > 8_000 {
        out += "\" + \""
        bytes = 0
      }
      out += piece
      bytes += piece.utf8.count
    }
    return out + "\""
  }

  /// The forest after step `k`.
  public static func dot(_ t: Timeline, step k: Int) -> String {
    dot(t, step: k, world: t.states[k], heading: "\(t.title) — step \(k)/\(t.stepCount): \(t.steps[k].label)")
  }

  /// The forest after micro-step `micro` (1-based) of step `k`; nil when the step has no such
  /// micro-step.
  public static func dot(_ t: Timeline, step k: Int, micro: Int) -> String? {
    let states = t.replay.microStates(step: k)
    guard micro >= 1, micro <= states.count else { return nil }
    let e = states[micro - 1].event
    return dot(
      t, step: k, world: states[micro - 1].world,
      heading: "\(t.title) — step \(k).\(micro)/\(t.stepCount) (micro-step \(micro) of \(states.count) of "
        + "\(t.steps[k].label)): cpu\(e.cpu) \(e.function): \(e.text)")
  }

  static func dot(_ t: Timeline, step k: Int, world w: World, heading: String) -> String {
    var out = "digraph anonvis {\n"
    out += "  label=\(q("\(heading) — kernel \(t.kernel.displayName)"));\n"
    out += "  labelloc=t; rankdir=LR; node [fontname=\"monospace\"]; edge [fontname=\"monospace\"];\n"
    for p in w.processes {
      let style = p.alive ? "" : ", style=dashed, fontcolor=gray"
      out += "  \(q("proc:" + p.name)) [shape=folder, label=\(q(p.name + (p.alive ? "" : " (exited)")))\(style)];\n"
      if let parent = p.parent {
        out += "  \(q("proc:" + w[process: parent].name)) -> \(q("proc:" + p.name)) [label=\"fork\", style=dashed];\n"
      }
    }
    for id in w.orderedVMAs {
      guard let v = w.vmas[id] else { continue }
      let name = w.vmaName(id)
      out +=
        "  \(q(name)) [shape=box, label=\(q(name, "pages \(v.firstPage)..\(v.firstPage + v.pages - 1) \(v.prot.rawValue)"))];\n"
      out += "  \(q("proc:" + w[process: v.process].name)) -> \(q(name)) [arrowhead=none];\n"
      for a in w.chainAnonVMAs(id) where a != v.anonVMA {
        out += "  \(q(name)) -> \(q(World.avName(a))) [style=dashed, label=\"avc\"];\n"
      }
      if let a = v.anonVMA {
        out += "  \(q(name)) -> \(q(World.avName(a))) [style=bold, label=\"anon_vma\"];\n"
      }
    }
    for a in w.aliveAnonVMAs {
      guard let av = w.anonVMA(a) else { continue }
      var label = [World.avName(a)]
      switch w.kernel {
      case .v2_6_34: label.append("ksm_refcount \(av.refcount)")
      case .v2_6_36: label.append("external_refcount \(av.refcount)")
      case .v6: label.append("refcount \(av.refcount)")
      }
      var attrs = "shape=ellipse"
      if let holders = w.lockHolders[a], !holders.isEmpty {
        label.append(
          "LOCKED by " + holders.map { "cpu\($0.cpu)" + ($0.op.map { " (\($0))" } ?? "") }.joined(separator: ", "))
        attrs += ", style=filled, fillcolor=\"#ffcc66\", penwidth=3"
      }
      out += "  \(q(World.avName(a))) [\(attrs), label=\(q(lines: label))];\n"
      if let root = av.root, root != a {
        out += "  \(q(World.avName(a))) -> \(q(World.avName(root))) [color=red, style=dotted, label=\"root\"];\n"
      }
      if let parent = av.parent, parent != a {
        out += "  \(q(World.avName(a))) -> \(q(World.avName(parent))) [color=blue, style=dotted, label=\"parent\"];\n"
      }
    }
    return out + "}\n"
  }
}
