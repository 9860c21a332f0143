import AnonVMASim
import ScenePlayer

/// Lockstep inside a step of a comparison: each micro-step of this model's step paired with the
/// other model's micro-step at the same point of the kernel code.
///
/// The two models run the same scene step through different kernel code, so their micro-steps
/// differ in number, kind and name (E3's fork: 2.6.36 locks each anon_vma's root where 2.6.34
/// locks the anon_vma; 6.1's `anon_vma_lock_write` is 2.6.36's `anon_vma_lock`). The pairing is
/// a longest common subsequence of the two steps' micro-steps, each known by ``key(_:)``: its
/// CPU, its kernel function with the versions' renamings undone, and the first word of its text
/// with object names taken out. Between two pairs, the micro-steps each model has alone go
/// side by side in order; one this model has more of shows the other's last one there (or the
/// other's last pair before, or its first micro-step). The other model's micro-steps passed over
/// on the way to a partner are named (``skipped``): nothing the other model does goes unseen.
struct MicroAlignment: Sendable, Equatable {
  /// The step, and the model of the other half.
  var step: Int
  var kernel: KernelVersion
  var variants: [Variant]
  /// For each micro-step of this model's step: the other model's micro-step shown beside it.
  var partner: [Int]
  /// Whether it is a true pair (the same point of the kernel code), not a micro-step beside one
  /// the other model has no counterpart of.
  var paired: [Bool]
  /// For each micro-step of this model's step: the other model's micro-steps passed over on the
  /// way to its partner (after the previous one's partner), with no place of their own.
  var skipped: [Range<Int>]

  /// The longest common subsequence is a table of `mine.count × theirs.count` entries; above this
  /// many (a step of thousands of micro-steps on each side) the pairing is by position in the
  /// step instead, and nothing counts as a true pair.
  static let tableLimit = 4_000_000

  init(step: Int, other: Timeline, mine: [Event], theirs: [Event]) {
    self.step = step
    kernel = other.kernel
    variants = other.variants
    (partner, paired) = Self.pairs(mine.map(Self.key), theirs.map(Self.key))
    skipped = Self.passedOver(partner)
  }

  /// The pairing of two steps' micro-steps known by `key`: for each of `a`, the index in `b` shown
  /// beside it, and whether the two are a true pair (a longest common subsequence; by position
  /// when `a.count × b.count` exceeds `tableLimit`).
  static func pairs(_ a: [String], _ b: [String], tableLimit: Int = tableLimit) -> (partner: [Int], paired: [Bool]) {
    var partner = Array(repeating: 0, count: a.count)
    var paired = Array(repeating: false, count: a.count)
    guard !a.isEmpty, !b.isEmpty else { return (partner, paired) }
    guard a.count * b.count <= tableLimit else {
      for i in a.indices { partner[i] = i * b.count / a.count }
      return (partner, paired)
    }
    // suffix[i * width + j]: the longest common subsequence of a[i...] and b[j...].
    let width = b.count + 1
    var suffix = [Int32](repeating: 0, count: (a.count + 1) * width)
    for i in stride(from: a.count - 1, through: 0, by: -1) {
      for j in stride(from: b.count - 1, through: 0, by: -1) {
        suffix[i * width + j] =
          a[i] == b[j]
          ? suffix[(i + 1) * width + j + 1] + 1 : max(suffix[(i + 1) * width + j], suffix[i * width + j + 1])
      }
    }
    var matches: [(Int, Int)] = []
    var (i, j) = (0, 0)
    while i < a.count && j < b.count {
      if a[i] == b[j], suffix[i * width + j] == suffix[(i + 1) * width + j + 1] + 1 {
        matches.append((i, j))
        i += 1
        j += 1
      } else if suffix[(i + 1) * width + j] >= suffix[i * width + j + 1] {
        i += 1
      } else {
        j += 1
      }
    }
    // Each gap between pairs (and before the first, after the last): side by side in order.
    var previous = (-1, -1)
    for (mi, mj) in matches + [(a.count, b.count)] {
      let theirs = (previous.1 + 1)..<mj
      for (k, i) in ((previous.0 + 1)..<mi).enumerated() {
        partner[i] = theirs.isEmpty ? max(previous.1, 0) : theirs.lowerBound + min(k, theirs.count - 1)
      }
      if mi < a.count {
        partner[mi] = mj
        paired[mi] = true
      }
      previous = (mi, mj)
    }
    return (partner, paired)
  }

  /// For each micro-step, the other's micro-steps between the previous one's partner and its own.
  static func passedOver(_ partner: [Int]) -> [Range<Int>] {
    partner.indices.map { i in
      let from = i == 0 ? 0 : partner[i - 1] + 1
      return from..<max(from, partner[i])
    }
  }

  /// A micro-step as the pairing knows it: its CPU, its kernel function as 2.6.36 names it
  /// (2.6.34's anon_vma spinlock calls, 6.x's read and write forms of the lock calls and the
  /// folio forms of the page calls under one name), and the first word of its text with object
  /// names (`AV3`, `avc6`, `pg2`, `K1`, `P3:A@0`) taken out, except for a lock call: E3's two
  /// `anon_vma_fork` micro-steps (`AV3->root = ...`, `P3:A@0->anon_vma = AV3`) are not one.
  static func key(_ e: Event) -> String {
    var function = AppState.spinlockNames[e.function] ?? e.function
    if function.hasPrefix("folio_") { function = "page_" + function.dropFirst("folio_".count) }
    for suffix in ["_read", "_write"] where function.hasSuffix(suffix) { function.removeLast(suffix.count) }
    // A lock call is one point whatever became of it (`lock AV1 for read` beside 2.6.36's
    // `AV1's lock held by cpu0: cpu1 spins`).
    if function.contains("lock") { return "cpu\(e.cpu) \(function)" }
    let first = e.text.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
    return "cpu\(e.cpu) \(function): \(withoutNames(first))"
  }

  /// `word` with the model's object names replaced by `_` and trailing punctuation dropped.
  static func withoutNames(_ word: String) -> String {
    var out = ""
    var rest = Substring(word)
    while let c = rest.first {
      let name = rest.prefixMatch(of: /(AV|avc|pg|K)[0-9]+|P[0-9]+(:[A-Za-z0-9_]+@[0-9]+)?/)
      if let name, !(out.last?.isLetter ?? false) {
        out += "_"
        rest = rest[name.range.upperBound...]
      } else {
        out.append(c)
        rest = rest.dropFirst()
      }
    }
    while let last = out.last, ";:,.".contains(last) { out.removeLast() }
    return out
  }

  /// Whether it was made for this step of this comparison.
  func fits(step: Int, other: Timeline) -> Bool {
    self.step == step && kernel == other.kernel && variants == other.variants
  }
}
