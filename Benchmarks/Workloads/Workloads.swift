import AnonVMASim

/// Deterministic workloads (kernel-semantics scale scenarios) as scene text.
public enum Workloads {
  /// A small deterministic generator (splitmix64), so workloads are identical every run.
  public struct Rng {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next(_ n: Int) -> Int {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return Int((z ^ (z >> 31)) % UInt64(max(1, n)))
    }
  }

  /// W1: a forking server: 4 mappings of 64 written pages, a fork tree, COW writes, exits.
  public static func w1(kernel: KernelVersion, processes: Int, writes: Int, exits: Int) -> String {
    var r = Rng(state: 1)
    var lines = ["title \"W1 forking server\"", "kernel \(kernel.rawValue)", "spawn P0"]
    for m in 0..<4 { lines += ["mmap P0 m\(m) 64", "touch P0 m\(m) 0..63"] }
    var alive = ["P0"]
    for i in 1..<processes {
      lines.append("fork \(alive[r.next(alive.count)]) P\(i)")
      alive.append("P\(i)")
    }
    for _ in 0..<writes { lines.append("touch \(alive[r.next(alive.count)]) m\(r.next(4)) \(r.next(64))") }
    for _ in 0..<min(exits, alive.count - 1) {
      let i = 1 + r.next(alive.count - 1)
      lines.append("exit \(alive.remove(at: i))")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// W2: a daemon that re-forks and lets the parent exit, `generations` times.
  public static func w2(kernel: KernelVersion, generations: Int) -> String {
    var lines = ["title \"W2 daemon chain\"", "kernel \(kernel.rawValue)", "spawn P0", "mmap P0 A 1", "touch P0 A 0"]
    for g in 1...generations { lines += ["fork P\(g - 1) P\(g)", "exit P\(g - 1)"] }
    return lines.joined(separator: "\n") + "\n"
  }

  /// W3: KSM across many processes, then every process exits and ksmd cleans up.
  public static func w3(kernel: KernelVersion, processes: Int, merges: Int) -> String {
    var r = Rng(state: 3)
    var lines = ["title \"W3 KSM\"", "kernel \(kernel.rawValue)"]
    for i in 0..<processes { lines += ["spawn P\(i)", "mmap P\(i) A 32", "touch P\(i) A 0..31"] }
    var merged = Set<String>()
    var done = 0
    var attempts = 0
    while done < merges && attempts < merges * 20 {
      attempts += 1
      let a = "P\(r.next(processes)) A \(r.next(32))"
      let b = "P\(r.next(processes)) A \(r.next(32))"
      guard a != b, !merged.contains(b) else { continue }
      merged.insert(b)
      if !merged.contains(a) { merged.insert(a) }
      lines.append("ksm-merge \(a) \(b)")
      done += 1
    }
    for i in 0..<processes { lines.append("exit P\(i)") }
    lines.append("ksmd-scan")
    return lines.joined(separator: "\n") + "\n"
  }
}
