import AnonVMASim
import ScenePlayer

extension ForestDiagram.Plan {
  /// Plans for one scene's timelines on two models compared side by side (`c`, `--compare`), so
  /// a viewer reads across: every process box of either model stands on the same rows in both
  /// halves, each VMA on the same row of its box, the box as tall as the taller of the two
  /// models needs (the process lives of both as one, ``ForestDiagram/Lives/joint(_:_:names:)``),
  /// and both at the spacing whose height fits the rows in both. The anon_vma boxes follow each
  /// model's own forests (2.6.34 has one per anon_vma, 2.6.36 one per root).
  ///
  /// When the two timelines number their processes or VMAs differently (a process id naming
  /// two processes, a VMA in two processes), each is planned alone.
  static func aligned(_ a: Timeline, _ b: Timeline, maxWidth: Int?, maxRows: Int?) -> (Self, Self) {
    let (worldsA, timesA) = worlds(a)
    let (worldsB, timesB) = worlds(b)
    var livesA = ForestDiagram.Lives()
    livesA.scan(worldsA, times: timesA, stride: stride(worldsA))
    var livesB = ForestDiagram.Lives()
    livesB.scan(worldsB, times: timesB, stride: stride(worldsB))
    guard let lastA = a.states.last, let lastB = b.states.last,
      let joint = ForestDiagram.Lives.joint(livesA, livesB, names: (lastA, lastB))
    else {
      return (
        Self(worldsA, lives: livesA, maxWidth: maxWidth, maxRows: maxRows),
        Self(worldsB, lives: livesB, maxWidth: maxWidth, maxRows: maxRows)
      )
    }
    // Both at the spacing whose height fits both: each plan knows the other's heights.
    func heights(_ worlds: [World], _ lives: ForestDiagram.Lives) -> [Int] {
      Self(worlds, lives: lives, processLives: joint, maxWidth: maxWidth, maxRows: maxRows, measured: false).heights
    }
    return (
      Self(
        worldsA, lives: livesA, processLives: joint, maxWidth: maxWidth, maxRows: maxRows,
        alongside: heights(worldsB, livesB)),
      Self(
        worldsB, lives: livesB, processLives: joint, maxWidth: maxWidth, maxRows: maxRows,
        alongside: heights(worldsA, livesA))
    )
  }
}

extension ForestDiagram.Lives {
  /// Two timelines' process and VMA lives as one, for plans that place both alike
  /// (``ForestDiagram/Plan/aligned(_:_:maxWidth:maxRows:)``): each process of either (the same id
  /// in both is the same process of the scene: same name, same parent) lives from its first
  /// birth to its last death, with every VMA either gave it, each living as long as in either.
  /// Nil when the ids do not match: a process id with two names or parents (`names`: a world
  /// of each timeline where every process is allocated), a VMA id in two processes.
  static func joint(_ a: Self, _ b: Self, names: (World, World)) -> Self? {
    var out = a
    for p in b.processIDs {
      guard let theirs = b.processes[p] else { continue }
      guard let mine = a.processes[p] else {
        out.processes[p] = theirs
        for v in theirs.vmas {
          guard a.vmaProcess[v] == nil else { return nil }
          out.vmas[v] = b.vmas[v]
          out.vmaProcess[v] = p
        }
        continue
      }
      guard mine.parent == theirs.parent, names.0.isAllocated(p), names.1.isAllocated(p),
        names.0[process: p].name == names.1[process: p].name
      else { return nil }
      var life = mine.life
      life.birth = min(life.birth, theirs.life.birth)
      life.death = max(life.death, theirs.life.death)
      out.processes[p]?.life = life
      for v in theirs.vmas {
        if let owner = a.vmaProcess[v] {
          guard owner == p else { return nil }
          var joint = a.vmas[v]
          joint.birth = min(joint.birth, b.vmas[v].birth)
          joint.death = max(joint.death, b.vmas[v].death)
          out.vmas[v] = joint
        } else {
          out.vmas[v] = b.vmas[v]
          out.vmaProcess[v] = p
          out.processes[p]?.vmas.append(v)
        }
      }
    }
    // A VMA of `a` that `b` gives to another process.
    for p in a.processIDs {
      for v in a.processes[p]?.vmas ?? [] where b.vmaProcess[v].map({ $0 != p }) ?? false { return nil }
    }
    out.processIDs = Array(Set(a.processIDs).union(b.processIDs)).sorted()
    out.maxVMA = max(a.maxVMA, b.maxVMA)
    return out
  }
}
