import AnonVMASim
import ScenePlayer
import TermRender

/// What the audience process sends an attached terminal after every change: what the presenter
/// view draws (`PresenterView`), or for a follower only the audience frame. The presenter draws
/// from this alone: it runs no model and keeps no state of the lecture.
public struct LectureSnapshot: Sendable, Hashable {
  public var title = ""
  public var step = 0
  public var stepCount = 0
  public var label = ""
  public var chapter: String?
  public var say: [String] = []
  /// Presenter notes of the step: sent to the presenter only, never to a follower.
  public var notes: [String] = []
  public var nextLabel: String?
  public var nextSay: String?
  /// Chapter titles and the index of the one the step is in.
  public var chapters: [String] = []
  public var currentChapter: Int?
  public var playing = false
  /// Seconds per step when playing, in tenths.
  public var paceTenths = 15
  /// The prompt or message on the audience's status line (what a key typed now goes to).
  public var prompt: String?
  /// Whether the audience is typing into a prompt (the presenter's `q` then types, not detaches).
  public var typing = false
  /// What the audience view points at: `selected AV1`, `pinned P2` (a selection or pin made with
  /// the keys of either terminal shows on the audience view).
  public var pointing: String?
  /// When the lecture started (the audience process's start), in seconds since 1970.
  public var startedAt = 0
  /// The audience frame at the size the peer asked for, as plain text, one line per row.
  public var frame: [String] = []
  /// The styles of `frame`'s cells, per row as runs of cells (what is coloured, bold or
  /// reversed on the audience view is so on the copy).
  public var frameStyles: [[StyleRun]] = []
  /// The columns `frame` was drawn in (its lines are sent without trailing blanks).
  public var frameWidth = 0
  /// The audience's terminal (the room's frame), when the audience has drawn one: the
  /// presenter's copy is drawn at this size where it has room, so it shows what the room sees.
  public var audienceWidth = 0
  public var audienceHeight = 0

  public init() {}

  public var encoded: [UInt8] {
    var w = WireWriter()
    w.u8(1)
    w.string(title)
    w.u32(step)
    w.u32(stepCount)
    w.string(label)
    w.optional(chapter)
    w.strings(say)
    w.strings(notes)
    w.optional(nextLabel)
    w.optional(nextSay)
    w.strings(chapters)
    w.u16(currentChapter.map { $0 + 1 } ?? 0)
    w.bool(playing)
    w.u16(paceTenths)
    w.optional(prompt)
    w.bool(typing)
    w.optional(pointing)
    w.u32(startedAt)
    w.strings(frame)
    w.u16(frameStyles.count)
    for row in frameStyles {
      w.u16(row.count)
      for run in row {
        w.u16(run.cells)
        w.u16(run.code)
      }
    }
    w.u16(frameWidth)
    w.u16(audienceWidth)
    w.u16(audienceHeight)
    return w.bytes
  }

  public init(decoding bytes: [UInt8]) throws(LectureWireError) {
    var r = WireReader(bytes)
    guard try r.u8() == 1 else { throw LectureWireError("unknown message") }
    title = try r.string()
    step = try r.u32()
    stepCount = try r.u32()
    label = try r.string()
    chapter = try r.optional()
    say = try r.strings()
    notes = try r.strings()
    nextLabel = try r.optional()
    nextSay = try r.optional()
    chapters = try r.strings()
    let current = try r.u16()
    currentChapter = current == 0 ? nil : current - 1
    playing = try r.bool()
    paceTenths = try r.u16()
    prompt = try r.optional()
    typing = try r.bool()
    pointing = try r.optional()
    startedAt = try r.u32()
    frame = try r.strings()
    let rows = try r.u16()
    guard rows <= frame.count else { throw LectureWireError("more style rows than frame rows") }
    for _ in 0..<rows {
      var row: [StyleRun] = []
      for _ in 0..<(try r.u16()) {
        let cells = try r.u16()
        guard let run = StyleRun(cells: cells, code: try r.u16()) else { throw LectureWireError("bad style") }
        row.append(run)
      }
      frameStyles.append(row)
    }
    frameWidth = try r.u16()
    audienceWidth = try r.u16()
    audienceHeight = try r.u16()
    try r.end()
    guard step <= stepCount, currentChapter.map({ $0 < chapters.count }) ?? true else {
      throw LectureWireError("step or chapter out of range")
    }
  }
}

/// A run of cells of one style in a row of a snapshot's frame.
public struct StyleRun: Sendable, Hashable {
  public var cells: Int
  public var style: Style

  public init(cells: Int, style: Style) {
    self.cells = cells
    self.style = style
  }

  /// The style in 16 bits: foreground and background (0 none, else the colour + 1, 5 bits each),
  /// then bold, dim, reverse and underline.
  var code: Int {
    let fg = style.fg.map { $0.rawValue + 1 } ?? 0
    let bg = style.bg.map { $0.rawValue + 1 } ?? 0
    var flags = 0
    if style.bold { flags |= 1 }
    if style.dim { flags |= 2 }
    if style.reverse { flags |= 4 }
    if style.underline { flags |= 8 }
    return fg | bg << 5 | flags << 10
  }

  /// Decodes `code`; nil when it names no colour.
  init?(cells: Int, code: Int) {
    let fg = code & 31
    let bg = code >> 5 & 31
    let flags = code >> 10
    guard fg <= Color.allCases.count, bg <= Color.allCases.count, flags < 16 else { return nil }
    self.cells = cells
    style = Style(
      fg: fg == 0 ? nil : Color(rawValue: fg - 1), bg: bg == 0 ? nil : Color(rawValue: bg - 1), bold: flags & 1 != 0,
      dim: flags & 2 != 0, reverse: flags & 4 != 0, underline: flags & 8 != 0)
  }

  /// A buffer's styles, row by row.
  static func runs(of b: Buffer) -> [[StyleRun]] {
    (0..<b.height).map { y in
      var row: [StyleRun] = []
      for x in 0..<b.width {
        let style = b[x, y].style
        if let last = row.last, last.style == style {
          row[row.count - 1].cells += 1
        } else {
          row.append(StyleRun(cells: 1, style: style))
        }
      }
      return row
    }
  }

  /// Gives the cells of `rows` drawn at (`x`, `y`) their styles, clipped to `clip`.
  public static func apply(_ rows: [[StyleRun]], at x: Int, _ y: Int, clip: Rect, to b: inout Buffer) {
    for (i, row) in rows.enumerated() where y + i >= clip.y && y + i < clip.maxY {
      var cx = x
      for run in row {
        let from = max(cx, clip.x)
        let to = min(cx + run.cells, clip.maxX)
        if from < to, run.style != .plain {
          b.style(Rect(x: from, y: y + i, width: to - from, height: 1)) { $0 = run.style }
        }
        cx += run.cells
      }
    }
  }
}

extension AppState {
  /// The snapshot of the lecture for a peer: the audience frame at `frameSize` (none when nil
  /// or too small to be read) and, for the presenter only, the notes.
  /// `audience`: the audience's terminal, sent along (``LectureSnapshot/audienceWidth``).
  public func lectureSnapshot(
    for role: LectureRole, frameSize: (width: Int, height: Int)?, audience: (width: Int, height: Int)? = nil
  ) -> LectureSnapshot {
    var s = LectureSnapshot()
    let info = timeline.steps[step]
    s.title = timeline.title
    s.step = step
    s.stepCount = timeline.stepCount
    s.label = info.label
    s.chapter = info.chapter
    s.say = info.say
    if role == .presenter { s.notes = info.notes }
    if step < timeline.stepCount {
      s.nextLabel = timeline.steps[step + 1].label
      s.nextSay = timeline.steps[step + 1].say.first
    }
    s.chapters = timeline.chapters.map(\.title)
    s.currentChapter = timeline.chapters.lastIndex { $0.step <= step }
    s.playing = playing
    s.paceTenths = Int((pace * 10).rounded())
    s.prompt = promptText ?? card.map { "title card of the chapter at step \($0) (→ shows the step)" } ?? message
    s.typing = prompt != nil
    s.pointing = pointing
    if let size = frameSize, size.width >= minimumSize.width, size.height >= minimumSize.height {
      var audience = self
      audience.presenter = false
      let buffer = audience.render(width: size.width, height: size.height)
      let lines = buffer.plainText.split(separator: "\n", omittingEmptySubsequences: false)
      s.frame = lines.prefix(size.height).map(String.init)
      s.frameStyles = StyleRun.runs(of: buffer)
      s.frameWidth = size.width
    }
    if let audience { (s.audienceWidth, s.audienceHeight) = audience }
    return s
  }

  /// What is selected or pinned on the audience view, named.
  var pointing: String? {
    let w = layout.world
    if forestView == .diagram {
      return diagramView.selection.map { (diagramView.pinned ? "pinned " : "selected ") + name(of: $0, w) }
    }
    switch focus {
    case .vmas: return selected(.vmas)?.vma.map { "selected " + w.vmaName($0) }
    case .forest: return selected(.forest)?.anonVMA.map { "selected " + World.avName($0) }
    case .steps: return nil
    }
  }

  /// The prompt being typed, as the status line shows it.
  var promptText: String? {
    switch prompt {
    case .jump(let t): return "jump to step or chapter: \(t)_"
    case .command(let t): return ":\(t)_"
    case .find(let t): return "find: \(t)_"
    case .whatIf(let t): return "what-if from step \(step) :\(t)_"
    case nil: return nil
    }
  }
}
