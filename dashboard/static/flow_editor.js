/* The flow editor: turns the YAML textarea into a CodeMirror editor with line numbers and
   YAML colours, marks the lines the server found problems on (the problem list says "line N"),
   and lets "line N" in that list jump to the line. CodeMirror copies its text back into the
   textarea when the form is sent, so the server sees the same form as without JavaScript. */
(function () {
  "use strict";

  var textarea = document.getElementById("source");
  if (!textarea || typeof window.CodeMirror === "undefined") {
    return;  // the plain textarea does the job
  }

  var editor = window.CodeMirror.fromTextArea(textarea, {
    mode: "yaml",
    lineNumbers: true,
    indentUnit: 2,
    tabSize: 2,
    indentWithTabs: false,
    gutters: ["problem-gutter", "CodeMirror-linenumbers"],
    screenReaderLabel: "The flow (YAML)",
    extraKeys: {
      // YAML refuses tab characters: Tab indents with spaces.
      Tab: function (cm) {
        if (cm.somethingSelected()) { cm.indentSelection("add"); } else { cm.execCommand("insertSoftTab"); }
      },
      "Shift-Tab": function (cm) { cm.indentSelection("subtract"); },
      // Tab stays inside the editor, so Esc is the way out for keyboard users.
      Esc: function () {
        var next = document.getElementById("note") || document.getElementById("check");
        if (next) { next.focus(); }
      }
    }
  });
  editor.getWrapperElement().classList.add("flow-editor");

  function messagesByLine() {
    var found = {};
    document.querySelectorAll("li.problem[data-line]").forEach(function (item) {
      var line = Number(item.getAttribute("data-line"));
      (found[line] = found[line] || []).push(item.textContent.trim());
    });
    (textarea.getAttribute("data-error-lines") || "").split(" ").forEach(function (value) {
      var line = Number(value);
      if (line > 0 && !found[line]) { found[line] = ["line " + line + ": a problem"]; }
    });
    return found;
  }

  function markProblems() {
    var found = messagesByLine();
    Object.keys(found).forEach(function (key) {
      var index = Number(key) - 1;
      if (index < 0 || index >= editor.lineCount()) { return; }
      editor.addLineClass(index, "background", "cm-problem-line");
      var marker = document.createElement("span");
      marker.className = "problem-marker";
      marker.textContent = "!";
      marker.title = found[key].join("\n");
      marker.setAttribute("aria-label", marker.title);
      editor.setGutterMarker(index, "problem-gutter", marker);
    });
  }

  function goToLine(line) {
    var index = Math.min(Math.max(line - 1, 0), editor.lineCount() - 1);
    editor.getWrapperElement().scrollIntoView({ block: "start" });
    editor.focus();
    editor.setCursor({ line: index, ch: 0 });
    editor.scrollIntoView({ line: index, ch: 0 }, 120);
  }

  document.querySelectorAll("a.goto-line[data-line]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      goToLine(Number(link.getAttribute("data-line")));
    });
  });

  markProblems();
}());
