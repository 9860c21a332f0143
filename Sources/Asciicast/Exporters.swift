import AnonVMASim
import SceneScript
import ScenePlayer
import TermRender

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
    let states = t.microStates(step: k)
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
    for (i, p) in w.processes.enumerated() {
      let style = p.alive ? "" : ", style=dashed, fontcolor=gray"
      out += "  \(q("proc:" + p.name)) [shape=folder, label=\(q(p.name + (p.alive ? "" : " (exited)")))\(style)];\n"
      if let parent = p.parent {
        out += "  \(q("proc:" + w.processes[parent].name)) -> \(q("proc:" + p.name)) [label=\"fork\", style=dashed];\n"
      }
      _ = i
    }
    for id in w.orderedVMAs {
      guard let v = w.vmas[id] else { continue }
      let name = w.vmaName(id)
      out += "  \(q(name)) [shape=box, label=\(q(name, "pages \(v.firstPage)..\(v.firstPage + v.pages - 1) \(v.prot.rawValue)"))];\n"
      out += "  \(q("proc:" + w.processes[v.process].name)) -> \(q(name)) [arrowhead=none];\n"
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
        label.append("LOCKED by " + holders.map { "cpu\($0.cpu)" + ($0.op.map { " (\($0))" } ?? "") }.joined(separator: ", "))
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

/// A standalone SVG of a text frame (monospace, colors preserved) for pages that cannot play a cast.
public enum SVGExporter {
  /// Text as XML character data: markup characters as entities, and what XML 1.0 forbids (most
  /// C0 controls, U+FFFE, U+FFFF) as U+FFFD, so the document always parses.
  static func xml(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
      switch scalar.value {
      case 0x26: out += "&amp;"
      case 0x3C: out += "&lt;"
      case 0x3E: out += "&gt;"
      case 0x22: out += "&quot;"
      case 0x09, 0x0A, 0x0D, 0x20...0xFFFD, 0x10000...: out.unicodeScalars.append(scalar)
      default: out += "\u{FFFD}"
      }
    }
    return out
  }

  static func color(_ c: Color?, fallback: String) -> String {
    guard let c else { return fallback }
    return CastTheme.palette[c.rawValue]
  }

  public static func svg(_ b: Buffer, title: String) -> String {
    let cw = 8.4
    let ch = 17
    let width = Int((Double(b.width) * cw).rounded(.up)) + 16
    let height = b.height * ch + 16
    var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\">\n"
    out += "<title>\(xml(TextSafety.escape(title)))</title>\n"
    out += "<rect width=\"100%\" height=\"100%\" fill=\"\(CastTheme.background)\"/>\n"
    out += "<g font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"14\" xml:space=\"preserve\">\n"
    for y in 0..<b.height {
      var x = 0
      while x < b.width {
        let style = b[x, y].style
        var text = ""
        let start = x
        while x < b.width, b[x, y].style == style {
          text += b[x, y].text
          x += 1
        }
        var fg = color(style.fg, fallback: CastTheme.foreground)
        var bg: String? = style.bg.map { CastTheme.palette[$0.rawValue] }
        if style.reverse {
          let old = fg
          fg = bg ?? CastTheme.background
          bg = old
        }
        let px = 8 + Double(start) * cw
        let py = 8 + y * ch
        if let bg {
          let w = Double(x - start) * cw
          out += "<rect x=\"\(fmt(px))\" y=\"\(py)\" width=\"\(fmt(w))\" height=\"\(ch)\" fill=\"\(bg)\"/>\n"
        }
        if text.contains(where: { $0 != " " }) {
          var attrs = "fill=\"\(fg)\""
          if style.bold { attrs += " font-weight=\"bold\"" }
          if style.dim { attrs += " opacity=\"0.6\"" }
          if style.underline { attrs += " text-decoration=\"underline\"" }
          out += "<text x=\"\(fmt(px))\" y=\"\(py + 13)\" \(attrs)>\(xml(text))</text>\n"
        }
      }
    }
    return out + "</g>\n</svg>\n"
  }

  static func fmt(_ v: Double) -> String {
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}
