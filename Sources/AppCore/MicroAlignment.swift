import AnonVMASim
import ScenePlayer

/// Lockstep inside a step of a comparison: each micro-step of this model's step paired with the
/// other model's micro-step at the same point of the kernel code.
///
/// The two models run the same scene step through different kernel code, so their micro-steps
/// differ in number and kind (E3's fork: 2.6.36 locks each anon_vma's root where 2.6.34 locks
/// the anon_vma). The pairing is a longest common subsequence of the two steps' micro-steps, each
/// known by its CPU and kernel function (2.6.34's anon_vma spinlock functions under 2.6.36's
/// names, as ``AppState/lockNeutral(_:)`` writes them). A paired micro-step shows the other
/// model at its partner; one the other model has no partner for shows the other model at its
/// last partner before it (the other waits there), or at its first micro-step when none came
/// before.
struct MicroAlignment: Sendable, Equatable {
  /// The step, and the model of the other half.
  var step: Int
  var kernel: KernelVersion
  var variants: [Variant]
  /// For each micro-step of this model's step: the other model's micro-step shown beside it.
  var partner: [Int]
  /// Whether it is a true pair (the same CPU in the same kernel function), not a wait.
  var paired: [Bool]
  /// How many micro-steps the other model's step has.
  var otherCount: Int

  /// The longest common subsequence is a table of `mine.count × theirs.count` entries; above this
  /// many (a step of thousands of micro-steps on each side) the pairing is by position in the
  /// step instead, and nothing counts as a true pair.
  static let tableLimit = 4_000_000

  init(step: Int, other: Timeline, mine: [Event], theirs: [Event]) {
    self.step = step
    kernel = other.kernel
    variants = other.variants
    otherCount = theirs.count
    (partner, paired) = Self.pairs(mine.map(Self.key), theirs.map(Self.key))
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
    var (i, j) = (0, 0)
    var last: Int?
    while i < a.count {
      if j < b.count, a[i] == b[j], suffix[i * width + j] == suffix[(i + 1) * width + j + 1] + 1 {
        partner[i] = j
        paired[i] = true
        last = j
        i += 1
        j += 1
      } else if j < b.count, suffix[(i + 1) * width + j] < suffix[i * width + j + 1] {
        j += 1
      } else {
        partner[i] = last ?? 0
        i += 1
      }
    }
    return (partner, paired)
  }

  /// A micro-step as the pairing knows it: its CPU and kernel function.
  static func key(_ e: Event) -> String {
    let function =
      switch e.function {
      case "spin_lock(&anon_vma->lock)": "anon_vma_lock"
      case "spin_unlock(&anon_vma->lock)": "anon_vma_unlock"
      default: e.function
      }
    return "cpu\(e.cpu) \(function)"
  }

  /// Whether it was made for this step of this comparison.
  func fits(step: Int, other: Timeline) -> Bool {
    self.step == step && kernel == other.kernel && variants == other.variants
  }
}
