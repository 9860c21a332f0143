import AnonVMASim
import SceneScript

/// Graphviz DOT of the forest at a step (or micro-step), laid out top to bottom for a page: each
/// process a record listing its VMAs (the fork tree above, processes before anon_vmas), each
/// anon_vma a record (name, refcount, its list of VMAs, the pages filed in it; lock holder), the
/// VMA → anon_vma pointers, the chains' other links, root pointers bold and labelled `root`,
/// parent pointers (6.x), the CPU holding a lock, KSM stable nodes with an edge per rmap_item to
/// the anon_vma it holds, and a legend of what the kernel model has.
public enum DOTExporter {
  /// A DOT string of label lines: each line escaped (scene text never reaches the file raw, a
  /// newline in it stays the visible `\n`), joined by DOT's `\n` line break.
  static func q(_ lines: String...) -> String { q(lines: lines) }

  static func q(lines: [String]) -> String { quote(pieces(lines)) }

  /// The escaped pieces of label lines joined by `\n`; with `record`, the characters a record
  /// label reads as structure (`{ } | < >`) are escaped too, so they show as text.
  static func pieces(_ lines: [String], record: Bool = false) -> [String] {
    var pieces: [String] = []
    for (i, line) in lines.enumerated() {
      if i > 0 { pieces.append("\\n") }
      for ch in TextSafety.escape(line) {
        switch ch {
        case "\"": pieces.append("\\\"")
        case "\\": pieces.append("\\\\")
        case "{", "}", "|", "<", ">": pieces.append(record ? "\\" + String(ch) : String(ch))
        default: pieces.append(String(ch))
        }
      }
    }
    return pieces
  }

  /// Pieces as one DOT string. Graphviz's scanner takes at most 16,384 bytes in one quoted
  /// string; longer text is written as quoted strings joined by DOT's '+', cut between escapes,
  /// never inside one.
  static func quote(_ pieces: [String]) -> String {
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

  /// A record label: fields (each of label lines) stacked top to bottom, the first ones with a
  /// port (`<p0>`, ...) when `ports` says so.
  static func record(_ fields: [[String]], ports: Bool = false) -> String {
    var all = ["{"]
    for (i, field) in fields.enumerated() {
      if i > 0 { all.append("|") }
      if ports && i > 0 { all.append("<p\(i - 1)>") }
      all += pieces(field, record: true)
    }
    all.append("}")
    return quote(all)
  }

  /// The forest after step `k`.
  public static func dot(_ t: Timeline, step k: Int) -> String {
    dot(t, step: k, world: t.states[k], heading: [t.title, "step \(k)/\(t.stepCount): \(t.steps[k].label)"])
  }

  /// The forest after micro-step `micro` (1-based) of step `k`; nil when the step has no such
  /// micro-step.
  public static func dot(_ t: Timeline, step k: Int, micro: Int) -> String? {
    let states = t.replay.microStates(step: k)
    guard micro >= 1, micro <= states.count else { return nil }
    let e = states[micro - 1].event
    return dot(
      t, step: k, world: states[micro - 1].world,
      heading: [
        t.title,
        "step \(k).\(micro)/\(t.stepCount): micro-step \(micro) of \(states.count) of \(t.steps[k].label)",
        "cpu\(e.cpu) \(e.function): \(e.text)",
      ])
  }

  static func dot(_ t: Timeline, step k: Int, world w: World, heading: [String]) -> String {
    var out = "digraph anonvis {\n"
    out += "  label=\(q(lines: heading + ["kernel \(t.kernel.displayName)"]));\n"
    out += "  labelloc=t; rankdir=TB; newrank=true; nodesep=0.35; ranksep=0.45; fontname=\"monospace\";\n"
    out += "  node [fontname=\"monospace\", fontsize=11]; edge [fontname=\"monospace\", fontsize=10];\n"
    out += processes(w)
    out += anonVMAs(w)
    out += stableNodes(w)
    out += legend(w)
    let lowest = w.aliveAnonVMAs.isEmpty ? w.processes.map { "proc:" + $0.name } : w.aliveAnonVMAs.map(World.avName)
    for name in lowest { out += "  \(q(name)) -> legend [style=invis];\n" }
    return out + "}\n"
  }

  /// Each process a record: its name, then one field (a port) per VMA; the fork tree between
  /// them; from each VMA its `anon_vma` pointer and its chain's other anon_vmas.
  static func processes(_ w: World) -> String {
    var out = ""
    var fields: [String: [[String]]] = [:]
    var edges = ""
    for id in w.orderedVMAs {
      guard let v = w.vmas[id] else { continue }
      let process = q("proc:" + w[process: v.process].name)
      let port = fields[w[process: v.process].name, default: []].count
      fields[w[process: v.process].name, default: []].append([
        "\(w.vmaName(id))  pages \(v.firstPage)..\(v.firstPage + v.pages - 1) \(v.prot.rawValue)"
          + (w.pgoffName(id).map { "  pgoff " + $0 } ?? "")
      ])
      let from = "\(process):p\(port)"
      if let a = v.anonVMA {
        edges += "  \(from) -> \(q(World.avName(a))) [label=\"anon_vma\", penwidth=1.5];\n"
      }
      for a in w.chainAnonVMAs(id) where a != v.anonVMA {
        edges += "  \(from) -> \(q(World.avName(a))) [style=dashed, color=gray45, label=\"avc\"];\n"
      }
    }
    for p in w.processes {
      let style = p.alive ? "" : ", style=dashed, fontcolor=gray40"
      let label = record([[p.name + (p.alive ? "" : " (exited)")]] + (fields[p.name] ?? []), ports: true)
      out += "  \(q("proc:" + p.name)) [shape=record, label=\(label)\(style)];\n"
      if let parent = p.parent {
        out += "  \(q("proc:" + w[process: parent].name)) -> \(q("proc:" + p.name)) [label=\"fork\", style=dotted];\n"
      }
    }
    return out + edges
  }

  /// Each live anon_vma a record (name, refcount, lock holder), its root pointer bold and
  /// labelled (drawn from the root down, so roots sit above their descendants), its parent
  /// pointer, and each CPU holding its lock.
  static func anonVMAs(_ w: World) -> String {
    var out = ""
    let filedPages = w.filedPages()
    for a in w.aliveAnonVMAs {
      guard let av = w.anonVMA(a) else { continue }
      let name = World.avName(a)
      var fields = [[name + (av.root == a ? " (root)" : "")]]
      switch w.kernel {
      case .v2_6_34: fields.append(["ksm_refcount \(av.refcount)"])
      case .v2_6_36: fields.append(["external_refcount \(av.refcount)"])
      case .v6, .mainline: fields.append(["refcount \(av.refcount)"])
      }
      // What an rmap walk from a page filed here visits, in its order, and those pages.
      let list = w.listVMAs(a)
      let tree = w.kernel.isModern ? "interval tree" : "list"
      fields.append([
        "\(tree) " + (list.isEmpty ? "(empty)" : list.prefix(8).map { w.vmaName($0) }.joined(separator: " "))
          + (list.count > 8 ? " …+\(list.count - 8)" : "")
      ])
      let filed = filedPages[a] ?? []
      if !filed.isEmpty {
        fields.append([
          "pages " + filed.prefix(8).map { World.pageName($0) }.joined(separator: " ")
            + (filed.count > 8 ? " …+\(filed.count - 8)" : "")
        ])
      }
      var attrs = "shape=record, style=rounded"
      if let holders = w.lockHolders[a], !holders.isEmpty {
        fields.append(["LOCKED by " + holders.map { "cpu\($0.cpu)" }.joined(separator: ", ")])
        attrs = "shape=record, style=\"rounded,filled\", fillcolor=\"#ffd58a\", penwidth=2.5"
        for h in holders {
          let cpu = q("cpu\(h.cpu)")
          out +=
            "  \(cpu) [shape=cds, style=filled, fillcolor=\"#ffd58a\", label=\(q(lines: ["cpu\(h.cpu)"] + (h.op.map { [$0] } ?? [])))];\n"
          out += "  \(cpu) -> \(q(name)) [label=\"holds lock\", color=\"#b35900\", penwidth=2.5];\n"
        }
      }
      out += "  \(q(name)) [\(attrs), label=\(record(fields))];\n"
      if let root = av.root, root != a {
        out +=
          "  \(q(World.avName(root))) -> \(q(name)) [dir=back, color=red, style=bold, penwidth=2.5, label=\"root\"];\n"
      }
      if let parent = av.parent, parent != a {
        out += "  \(q(World.avName(parent))) -> \(q(name)) [dir=back, color=blue, style=dashed, label=\"parent\"];\n"
      }
    }
    return out
  }

  /// Each live KSM stable node a record (its page and rmap_items), and from it an edge per
  /// rmap_item to the anon_vma the item holds a reference on (`rmap_item->anon_vma`: what keeps
  /// an anon_vma alive after its last VMA is gone, E6).
  static func stableNodes(_ w: World) -> String {
    var out = ""
    for node in w.stableNodes where node.alive {
      let name = "K\(node.id.raw)"
      let items = node.items.map { "rmap_item " + w.rmapItemName($0) }
      let fields = [["KSM stable node \(name)"], ["page \(World.pageName(node.page))"]] + items.map { [$0] }
      out += "  \(q(name)) [shape=record, style=\"rounded,filled\", fillcolor=\"#e8f0ff\", label=\(record(fields))];\n"
      for (item, text) in zip(node.items, items) where w.anonVMA(item.anonVMA) != nil {
        out += "  \(q(name)) -> \(q(World.avName(item.anonVMA))) [color=\"#3060c0\", label=\(q(text))];\n"
      }
    }
    return out
  }

  /// What the lines mean, a note below the forest (invisible edges from the lowest nodes hold
  /// it there): only what the kernel model has (2.6.34 has no root pointer, 2.6.x no parent).
  static func legend(_ w: World) -> String {
    var lines = [
      "legend", "process: its VMAs, one per row",
      "anon_vma: name, refcount, " + (w.kernel.isModern ? "interval tree" : "same_anon_vma list") + ", pages, lock",
      "-> anon_vma: vma->anon_vma", "--> avc (grey): on the VMA's chain",
    ]
    if w.kernel != .v2_6_34 { lines.append("== root (bold red): ->root") }
    if w.kernel.isModern { lines.append("--> parent (blue): ->parent") }
    lines += [".. fork (dotted): parent to child", "holds lock (orange): the CPU"]
    if w.stableNodes.contains(where: \.alive) { lines.append("-> (blue) rmap_item->anon_vma of a KSM stable node") }
    let label = lines.map { pieces([$0]).joined() + "\\l" }.joined()
    return "  legend [shape=note, fontsize=9, color=gray50, fontcolor=gray20, label=\"\(label)\"];\n"
  }
}
