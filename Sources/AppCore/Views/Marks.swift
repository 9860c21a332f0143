import AnonVMASim
import TermRender

/// How the panes mark what a step changed and what is under a lock.
enum Marks {
  /// anon_vmas in the "lock lens": the ones whose lock is held, and the ones that lock covers.
  static func lockedForest(_ w: World) -> Set<AnonVMAID> {
    var covered = Set<AnonVMAID>()
    for locked in w.lockHolders.keys {
      for a in w.aliveAnonVMAs where w.lockTarget(of: a) == locked { covered.insert(a) }
      covered.insert(locked)
    }
    return covered
  }

  /// `+` new, `-` gone, `~` changed (range, protection, anon_vma or chain) since `prev`.
  static func diff(_ theme: Theme, vma id: VMAID, _ w: World, _ prev: World?) -> (String, Style) {
    let g = theme.glyphs
    guard let prev else { return (" ", theme.text) }
    guard let old = prev.vmas[id] else { return (g.added, theme.added) }
    guard let new = w.vmas[id] else { return (g.removed, theme.removed) }
    if old.start != new.start || old.end != new.end || old.prot != new.prot || old.anonVMA != new.anonVMA
      || prev.chainAnonVMAs(id) != w.chainAnonVMAs(id)
    {
      return (g.changed, theme.changed)
    }
    return (" ", theme.text)
  }

  /// An anon_vma's counters as the model names them.
  static func counters(_ a: AnonVMA, _ w: World) -> String {
    switch w.kernel {
    case .v2_6_34: return "ksm \(a.refcount)"
    case .v2_6_36: return "ext \(a.refcount)"
    case .v6, .mainline: return "ref \(a.refcount) nc \(a.numChildren) act \(a.numActiveVMAs)"
    }
  }

  /// `: OPERATION` that took a held lock and, when its CPU has moved on, what the CPU runs now.
  static func lockCredit(_ h: World.LockHolder, _ w: World) -> String {
    guard let taken = h.op else { return "" }
    let now = w.cpus[h.cpu].op
    if now == taken { return ": \(taken)" }
    return ": \(taken); cpu\(h.cpu) now " + (now.map { "runs \($0)" } ?? "idle")
  }
}
