import SceneScript

/// `scene.md` of an export: a Markdown handout that renders on a Git forge as it is: per chapter
/// and step the operation, the step's SVG as an image, the narration and the kernel micro-steps
/// in order. Scene text is escaped (``text(_:)``): no raw HTML or Markdown from the scene.
public enum SceneHandout {
  /// Scene text as Markdown text: escaped as on the terminal (controls made visible), `&`, `<`
  /// and `>` as entities (no HTML), and only the punctuation that is markup where it stands
  /// backslash-escaped, so it reads literally and the raw file stays readable (`P1:A@0`, not
  /// `P1\:A@0`): emphasis, code, links, strikethrough and table pipes anywhere; a heading, list
  /// or quote marker where it would start a block (`#`, `+`, `-`, `=`, `1.` at the start).
  public static func text(_ s: String) -> String {
    let scalars = Array(TextSafety.escape(s).unicodeScalars)
    var out = ""
    // Leading spaces (four would start a code block) become entities; leading digits followed by
    // `.` or `)` would start an ordered list.
    let spaces = scalars.prefix { $0 == " " }.count
    let digits = scalars.prefix { ("0"..."9").contains($0) }.count
    for (i, c) in scalars.enumerated() {
      if i < spaces {
        out += "&#32;"
        continue
      }
      if "\\`*_[]|~".unicodeScalars.contains(c) || (i == spaces && "#+-=".unicodeScalars.contains(c))
        || (i == digits && digits > 0 && (c == "." || c == ")"))
      {
        out += "\\" + String(c)
      } else if c == "&" || c == "<" || c == ">", let e = ScenePage.entity(c) {
        out += e
      } else {
        out.unicodeScalars.append(c)
      }
    }
    return out
  }

  public static func markdown(
    title: String, chapters: [(title: String, step: Int)], steps: [SceneExport.Step]
  ) -> String {
    var out = "# \(text(title))\n\n"
    if !chapters.isEmpty {
      for chapter in chapters { out += "- \(text(chapter.title)) (step \(chapter.step))\n" }
      out += "\n"
    }
    for step in steps {
      for chapter in chapters where chapter.step == step.index { out += "## \(text(chapter.title))\n\n" }
      out += "### Step \(step.index): \(text(step.label))\n\n"
      out += "![Step \(step.index): \(text(step.label))](\(step.image))\n\n"
      for line in step.say { out += text(line) + "\n\n" }
      if !step.micro.isEmpty {
        out += "Kernel micro-steps:\n\n"
        for (i, m) in step.micro.enumerated() { out += "\(i + 1). \(text(m.function)): \(text(m.text))\n" }
        out += "\n"
      }
    }
    return out
  }
}
