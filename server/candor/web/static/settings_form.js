// Settings: the date format, the weekly goals and the signal thresholds, saved through
// PATCH /api/v1/settings. Thresholds are typed in seconds and percent; the API keeps
// milliseconds and fractions (each field's data-per says how many API units one is).

const dateForm = document.getElementById("date-format");
const goalsForm = document.getElementById("goals-settings");
const thresholdsForm = document.getElementById("thresholds");

/** PATCH the settings; resolves to the settings as kept, or throws words for a person. */
async function change(body) {
  let response;
  try {
    response = await fetch("/api/v1/settings", {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new Error("Candor did not answer: check that it is still running (candor serve), then try again.");
  }
  const data = await response.json().catch(() => null);
  if (response.ok) return data;
  if (response.status === 401 || response.status === 403) {
    throw new Error("This browser is no longer logged in: open a fresh link with candor open.");
  }
  throw new Error(problem(data?.errors?.json) || "Candor could not keep it. Try again.");
}

/** The first field the server refused, named as the page names it, with what to do. */
function problem(errors, path = []) {
  if (!errors || typeof errors !== "object") return "";
  for (const [key, value] of Object.entries(errors)) {
    if (Array.isArray(value)) return `${fieldName([...path, key])}: ${value[0]}`;
    const found = problem(value, [...path, key]);
    if (found) return found;
  }
  return "";
}

function fieldName(path) {
  const [group, name] = path;
  if (group === "thresholds" && name) {
    const input = thresholdsForm?.elements[name];
    return input ? input.dataset.label : name.replaceAll("_", " ");
  }
  if (group === "goals") return name === "coverage" ? "Coverage goal" : "Value ratio goal";
  return { date_format: "Date format", time_zone: "Time zone", owner: "Your name" }[group] ?? group;
}

/** An API value as the page shows it (seconds, percent), without float noise. */
function shown(value, per) {
  return String(Math.round((value / per) * 1e6) / 1e6);
}

/** A typed value as the API keeps it (milliseconds, a fraction); a whole number where asked. */
function kept(input) {
  const value = Number(input.value) * Number(input.dataset.per);
  return input.dataset.whole === "yes" ? Math.round(value) : Math.round(value * 1e6) / 1e6;
}

/** Show the thresholds as kept: each field, its Reset button, what it was saved as. */
function showThresholds(thresholds, defaults) {
  for (const [name, value] of Object.entries(thresholds)) {
    const input = thresholdsForm.elements[name];
    if (!input) continue;
    input.value = input.dataset.value = shown(value, Number(input.dataset.per));
    const reset = thresholdsForm.querySelector(`.reset-threshold[data-threshold="${name}"]`);
    if (reset) reset.disabled = value === defaults[name];
  }
}

dateForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = document.getElementById("date-format-status");
  const select = dateForm.elements.date_format;
  try {
    await change({ date_format: select.value });
    status.textContent = `Saved: pages now show dates as ${select.selectedOptions[0].text}.`;
  } catch (error) {
    status.textContent = `Not saved. ${error.message}`;
  }
});

goalsForm?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const status = document.getElementById("goals-settings-status");
  if (!goalsForm.reportValidity()) return;
  const goals = {};
  for (const name of ["value_ratio", "coverage"]) {
    const text = goalsForm.elements[name].value.trim();
    goals[name] = text === "" ? null : Number(text) / 100;
  }
  try {
    const answer = await change({ goals });
    const said = [["value_ratio", "value ratio"], ["coverage", "coverage"]].map(([name, words]) =>
      answer.goals[name] === null ? `no ${words} goal` : `a ${words} of ${Math.round(answer.goals[name] * 100)}%`);
    status.textContent = `Saved: ${said.join(" and ")} each week.`;
  } catch (error) {
    status.textContent = `Not saved. ${error.message}`;
  }
});

if (thresholdsForm) {
  const status = document.getElementById("thresholds-status");

  thresholdsForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!thresholdsForm.reportValidity()) return;
    const changed = {};
    for (const input of thresholdsForm.querySelectorAll("input[type=number]")) {
      if (input.value !== input.dataset.value) changed[input.name] = kept(input);
    }
    if (!Object.keys(changed).length) {
      status.textContent = "Nothing to save: no threshold was changed.";
      return;
    }
    try {
      const answer = await change({ thresholds: changed });
      showThresholds(answer.thresholds, answer.threshold_defaults);
      const count = Object.keys(changed).length;
      status.textContent = `Saved ${count === 1 ? "1 threshold" : `${count} thresholds`}. ` +
        "Every session's signals are being found again with them.";
    } catch (error) {
      status.textContent = `Not saved. ${error.message}`;
    }
  });

  thresholdsForm.addEventListener("click", async (event) => {
    const one = event.target.closest(".reset-threshold");
    const all = event.target.closest("#reset-thresholds");
    if (!one && !all) return;
    try {
      const answer = await change({ thresholds: one ? { [one.dataset.threshold]: null } : null });
      showThresholds(answer.thresholds, answer.threshold_defaults);
      if (one) {
        const input = thresholdsForm.elements[one.dataset.threshold];
        status.textContent = `“${input.dataset.label}” is back to its default, ${input.value}.`;
        input.focus();  // the button just pressed is now disabled
      } else {
        status.textContent = "Every threshold is back to its default.";
      }
    } catch (error) {
      status.textContent = `Not reset. ${error.message}`;
    }
  });
}
