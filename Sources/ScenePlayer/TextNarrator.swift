import AnonVMASim
import SceneScript

/// Plain-text narration of a timeline: per step the operation, its kernel micro-steps, the
/// `say` text and the forest that results. Scene text is escaped, never written raw.
public enum TextNarrator {
  /// The whole scene.
  public static func narrate(_ t: Timeline) -> String {
    var out = "\(TextSafety.escape(t.title)) — kernel \(t.kernel.displayName)"
    if !t.variants.isEmpty { out += ", variant \(t.variants.map(\.rawValue).joined(separator: ", "))" }
    out += "\n\n"
    for k in 0...t.stepCount { out += narrate(t, step: k) + "\n" }
    return out
  }

  /// The model's own account of a step: each micro-step as `cpuN function: what it did`, in
  /// order, escaped. A comparison's other model shows it in place of the scene's `say` text,
  /// which was written for the scene's own model.
  public static func account(_ t: Timeline, step k: Int) -> [String] {
    t.replay.events(step: k).map { "cpu\($0.cpu) \(TextSafety.escape($0.summary))" }
  }

  /// One step.
  public static func narrate(_ t: Timeline, step k: Int) -> String {
    let info = t.steps[k]
    let w = t.states[k]
    var out = "── step \(k)/\(t.stepCount): \(TextSafety.escape(info.label))"
    if let c = info.chapter { out += "   [\(TextSafety.escape(c))]" }
    out += "\n"
    for line in account(t, step: k) { out += "   \(line)\n" }
    for s in info.say { out += "   » \(TextSafety.escape(s))\n" }
    for id in w.orderedVMAs {
      guard let v = w.vmas[id] else { continue }
      let chain = w.chainAnonVMAs(id).map { World.avName($0) }.joined(separator: " ")
      let anon = v.anonVMA.map { World.avName($0) } ?? "-"
      out +=
        "   \(TextSafety.escape(w.vmaName(id))) pages \(v.firstPage)..\(v.firstPage + v.pages - 1) \(v.prot.rawValue)"
        + (w.pgoffName(id).map { " pgoff " + TextSafety.escape($0) } ?? "")
      out += "  anon_vma \(anon)  chain [\(chain)]\(v.detached ? " (detached)" : "")\n"
    }
    for id in w.aliveAnonVMAs {
      let a = w[anonVMA: id]
      let list = w.listVMAs(id).map { TextSafety.escape(w.vmaName($0)) }.joined(separator: ", ")
      let root = a.root.map { " root \(World.avName($0))" } ?? ""
      let lock = (w.lockHolders[id] ?? []).map { " LOCKED by cpu\($0.cpu)" }.joined()
      out += "   \(World.avName(id))\(root) ref \(a.refcount) list [\(list)]\(lock)\n"
    }
    for c in w.cpus where c.state != .idle || !c.holds.isEmpty {
      out +=
        "   \(c.name) \(c.state.rawValue) \(TextSafety.escape(c.op ?? "")) holds [\(c.holds.map { World.avName($0) }.joined(separator: " "))]\n"
    }
    for v in w.violations where v.step == k {
      out += "   ! \(v.code): \(TextSafety.escape(v.message))\n"
    }
    return out
  }
}
