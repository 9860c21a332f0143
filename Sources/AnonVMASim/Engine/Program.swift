/// A CPU's pending instructions in the order they run, as a persistent stack of frames: a call's
/// expansion is one frame (an array never changed once built) with a position in it, on top of
/// the frame of the call it came from. Running an instruction moves the position and pushing an
/// expansion adds a frame, so a world copied for a successor (the race explorer copies one per
/// micro-step tried) shares every frame with its parent and a micro-step copies no instruction.
/// (An array of instructions, the last running next, was copied whole by every micro-step on a
/// copied world: on four CPUs copying on write, with a dozen faults pending each, the copies and
/// their reference counting were a fifth of the search's time.)
///
/// Equal when the instructions still to run are, however they are split into frames.
public struct Program: Sendable, Hashable, Sequence {
  /// One expansion's instructions in order, and where the frame below resumes.
  final class Frame: Sendable {
    let instrs: [Instr]
    let below: Frame?
    let belowPosition: Int

    init(_ instrs: [Instr], below: Frame?, belowPosition: Int) {
      self.instrs = instrs
      self.below = below
      self.belowPosition = belowPosition
    }
  }

  /// The frame the next instruction is in (nil: nothing pending); no frame is ever run out.
  private var top: Frame?
  /// The next instruction's index in `top`.
  private var position = 0
  /// Instructions still to run.
  public private(set) var count = 0

  /// Nothing pending.
  public init() {}

  /// `instrs`, to run in their order.
  public init(_ instrs: [Instr]) { push(instrs) }

  public var isEmpty: Bool { top == nil }

  /// The instruction that runs next.
  public var first: Instr? { top.map { $0.instrs[position] } }

  /// Removes and returns the instruction that runs next.
  public mutating func popFirst() -> Instr? {
    guard let frame = top else { return nil }
    let instr = frame.instrs[position]
    position += 1
    count -= 1
    if position == frame.instrs.count {
      position = frame.belowPosition
      top = frame.below
    }
    return instr
  }

  /// Puts `instrs` in front of what is pending, to run next in their order.
  public mutating func push(_ instrs: [Instr]) {
    guard !instrs.isEmpty else { return }
    top = Frame(instrs, below: top, belowPosition: position)
    position = 0
    count += instrs.count
  }

  /// Puts `instr` in front of what is pending, to run next.
  public mutating func push(_ instr: Instr) { push([instr]) }

  public struct Iterator: IteratorProtocol {
    fileprivate var frame: Frame?
    fileprivate var position: Int

    public mutating func next() -> Instr? {
      guard let f = frame else { return nil }
      let instr = f.instrs[position]
      position += 1
      if position == f.instrs.count {
        position = f.belowPosition
        frame = f.below
      }
      return instr
    }
  }

  /// The pending instructions in the order they run.
  public func makeIterator() -> Iterator { Iterator(frame: top, position: position) }

  public var underestimatedCount: Int { count }

  /// Calls `body` with each page id the pending instructions name (``Instr/forEachPage(_:)``),
  /// in the order they run, the instructions read in place in their frames.
  public func forEachPage(_ body: (PageID) -> Void) {
    var frame = top
    var from = position
    while let f = frame {
      f.instrs.withUnsafeBufferPointer { instrs in
        guard let first = instrs.baseAddress else { return }
        for i in from..<instrs.count { Instr.forEachPage(at: first + i, body) }
      }
      from = f.belowPosition
      frame = f.below
    }
  }

  /// Whether both pending lists are the same frames from the same position (a CPU no micro-step
  /// moved since a world was copied): then they are equal, nothing compared.
  public func isShared(with other: Program) -> Bool { top === other.top && position == other.position }

  public static func == (a: Program, b: Program) -> Bool {
    guard a.count == b.count else { return false }
    var i = a.makeIterator()
    var j = b.makeIterator()
    while true {
      // The rest shared (a CPU no micro-step moved, or two paths' common ancestor's frames).
      if i.frame === j.frame && i.position == j.position { return true }
      guard let x = i.next(), let y = j.next() else { return true }
      if x != y { return false }
    }
  }

  /// The count and the first few instructions only: equal programs hash equal, and the race
  /// explorer's table of CPUs, which hashes every CPU a micro-step changed, hashes a dozen
  /// pending faults no more (the CPUs it holds differ in their next instructions; `==` decides).
  public func hash(into hasher: inout Hasher) {
    hasher.combine(count)
    var instrs = makeIterator()
    for _ in 0..<Self.hashedInstrs {
      guard let instr = instrs.next() else { break }
      hasher.combine(instr)
    }
  }

  /// How many of the first instructions ``hash(into:)`` hashes.
  static let hashedInstrs = 4
}
