import TermRender

/// Slide-like pacing: `p` plays at a pace `+`/`-` change, and with `--cards` a chapter's title
/// card comes before its first step.
extension AppState {
  /// The paces `+` and `-` step through, in seconds per step.
  static let paces: [Double] = [0.5, 0.75, 1, 1.5, 2, 3, 5, 8]

  /// `1.5s`, `1s`, `0.75s`.
  public static func paceText(_ seconds: Double) -> String {
    let hundredths = Int((seconds * 100).rounded())
    let whole = "\(hundredths / 100)"
    let rest = hundredths % 100
    return (rest == 0 ? whole : rest % 10 == 0 ? "\(whole).\(rest / 10)" : "\(whole).\(rest)") + "s"
  }

  /// `+` (faster: fewer seconds per step) or `-` (slower).
  mutating func changePace(faster: Bool) {
    let paces = AppState.paces
    let next =
      faster
      ? paces.last { $0 < pace - 0.001 } ?? paces[0] : paces.first { $0 > pace + 0.001 } ?? paces[paces.count - 1]
    pace = next
    playClock = min(playClock, pace)
    message = "pace \(AppState.paceText(pace)) per step" + (playing ? "" : " (p plays)")
  }

  /// One step forward, as → and play take it: with `--cards`, into the next chapter through its
  /// title card first (the card is one step of play's pace); before a step with `ask` lines, its
  /// questions first, then their answers (``askOrReveal()``).
  mutating func advance() {
    if cards, card == nil, step < timeline.stepCount, timeline.chapters.contains(where: { $0.step == step + 1 }) {
      card = step + 1
      return
    }
    if askOrReveal() { return }
    go(to: step + 1)
  }

  /// A key while a title card is up: → (and space, l) shows the step, `p` and `q` and `?` do
  /// what they do, any other key puts the card away and stays on the step before it.
  mutating func handleCardKey(_ command: KeyCommand) -> Bool {
    guard card != nil else { return false }
    switch command {
    case .nextStep, .play, .quit, .help, .faster, .slower, .reveal: return false
    default:
      card = nil
      return true
    }
  }

  /// Whether play should pause here (`--pause-chapters`): the step on screen is the last of its
  /// chapter (the next step opens another), and no card or question is up.
  var endOfChapter: Bool {
    pauseAtChapters && step > 0 && step < timeline.stepCount && card == nil && asking == nil
      && timeline.chapters.contains { $0.step == step + 1 }
  }

  /// The chapter's title card for the step it opens.
  func titleCard(_ first: Int, theme: Theme) -> TitleCard {
    let index = timeline.chapters.firstIndex { $0.step == first } ?? 0
    let title = timeline.chapters.indices.contains(index) ? timeline.chapters[index].title : ""
    let info = timeline.steps[min(first, timeline.stepCount)]
    return TitleCard(
      title: title, number: index + 1, count: timeline.chapters.count,
      firstLine: info.say.first.map { "\(theme.glyphs.openQuote)\($0)\(theme.glyphs.closeQuote)" }
        ?? "step \(first): \(info.label)",
      step: first, stepCount: timeline.stepCount, playing: playing ? AppState.paceText(pace) : nil, theme: theme)
  }
}

/// A full-screen card with a chapter's title and first line (`--cards`).
struct TitleCard: Widget {
  var title: String
  var number: Int
  var count: Int
  /// The first `say` of the chapter's first step, quoted, or the step's label.
  var firstLine: String
  var step: Int
  var stepCount: Int
  /// The pace when playing (the play indicator), nil when paused.
  var playing: String?
  var theme: Theme

  func render(in area: Rect, into b: inout Buffer) {
    let g = theme.glyphs
    b.fill(area, style: theme.text)
    Block(title: "chapter \(number) of \(count)", focused: false, theme: theme).render(in: area, into: &b)
    let inner = area.inset(2)
    let titleLines = wrap(title, max(1, inner.width - 4))
    let say = wrap(firstLine, max(1, min(inner.width - 4, 70)))
    let total = titleLines.count + 1 + say.count
    var y = inner.y + max(0, (inner.height - total) / 2)
    for l in titleLines {
      b.put(l, x: area.x + max(0, (area.width - Buffer.width(l)) / 2), y: y, style: theme.strong, maxX: inner.maxX)
      y += 1
    }
    y += 1
    for l in say where y < inner.maxY {
      b.put(l, x: area.x + max(0, (area.width - Buffer.width(l)) / 2), y: y, style: theme.text, maxX: inner.maxX)
      y += 1
    }
    let foot =
      " \(playing.map { "\(g.running) playing \($0)  " } ?? "")\(g.up == "↑" ? "→" : "->") step \(step)/\(stepCount) "
    b.put(foot, x: area.maxX - 2 - Buffer.width(foot), y: area.maxY - 1, style: theme.status, maxX: area.maxX - 1)
  }
}
