import Foundation

/// The rows of a worklist, written in Swift rather than Leaf. An officer with a few hundred victims gets a
/// quick-contact form per victim; through Leaf's interpreter that page cost 60–70 ms of CPU, most of it
/// resolving and escaping the same few values thousands of times. Every value here goes through `escape`.
enum WorklistHTML {
    struct Options {
        var showOfficer: Bool
        var quickContact: Bool
        var csrf: String
        var returnTo: String
        var outcomes: [SelectOption]
    }

    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    static func items(_ lines: [WorklistsController.Line], _ o: Options) -> String {
        let optionsHTML = o.outcomes.map { "<option value=\"\(escape($0.value))\">\(escape($0.label))</option>" }
            .joined()
        let csrf = escape(o.csrf)
        let returnTo = escape(o.returnTo)
        var html = ""
        html.reserveCapacity(lines.count * (o.quickContact ? 1900 : 500))
        for line in lines {
            let id = line.victimID.uuidString
            let name = escape(line.name)
            html += "<li class=\"worklist-item\">\n<p class=\"worklist-title\"><a href=\"/victims/\(id)\">\(name)</a>"
            if line.enhanced { html += " <span class=\"tag\">Enhanced rights</span>" }
            html += "</p>\n<p class=\"meta\">Crime <a href=\"/crimes/\(line.crimeID.uuidString)\">"
            html += "\(escape(line.reference))</a>. Prefers: \(escape(line.preferred))."
            if o.showOfficer { html += " Officer: \(escape(line.officer))." }
            html += "</p>\n<p>Owed: "
            for duty in line.duties {
                html += "<span class=\"tag\">\(escape(duty.code)) by \(escape(duty.due))</span> "
            }
            html += "</p>\n"
            if !line.attemptPrompt.isEmpty {
                html += "<p class=\"prompt\"><strong>\(escape(line.attemptPrompt))</strong></p>\n"
            }
            if !line.lastNote.isEmpty {
                html += "<p class=\"note\"><span class=\"note-label\">Last note:</span> \(escape(line.lastNote))</p>\n"
            }
            if o.quickContact, line.needsPointButHasNone {
                html += "<p class=\"meta\">No \(escape(line.preferred.lowercased())) number or address is recorded: "
                html += "<a href=\"/victims/\(id)#contact-heading\">record the call on their page</a>.</p>\n"
            } else if o.quickContact {
                let pointSelect =
                    line.points.isEmpty
                    ? ""
                    : "<label for=\"point-\(id)\">Number or address used</label>\n<select id=\"point-\(id)\" name=\"contactPointID\">"
                        + line.points.map { "<option value=\"\(escape($0.value))\">\(escape($0.label))</option>" }
                        .joined()
                        + "</select>\n"
                html += """
                    <details>
                    <summary>Record a call to \(name)</summary>
                    <form method="post" action="/victims/\(id)/contacts" novalidate>
                    <input type="hidden" name="_csrf" value="\(csrf)">
                    <input type="hidden" name="returnTo" value="\(returnTo)">
                    <input type="hidden" name="method" value="\(escape(line.preferredCode))">
                    \(pointSelect)<label for="outcome-\(id)">What happened</label>
                    <select id="outcome-\(id)" name="outcome">\(optionsHTML)</select>
                    <div class="choices">
                    <div class="choice"><input type="checkbox" id="identity-\(id)" name="identityVerified" value="yes"><label for="identity-\(id)">Identity verified</label></div>
                    <div class="choice"><input type="checkbox" id="welfare-\(id)" name="welfareChecked" value="yes"><label for="welfare-\(id)">Welfare checked</label></div>
                    <div class="choice"><input type="checkbox" id="safe-\(id)" name="safeToSpeak" value="yes"><label for="safe-\(id)">Safe to speak</label></div>
                    </div>
                    <button type="submit" class="button small">Record</button>
                    </form>
                    </details>

                    """
            }
            html += "</li>\n"
        }
        return html
    }
}
