// A list of sessions' filters go into its address (to bookmark a view): the empty ones stay out.
document.querySelector("form.filters")?.addEventListener("formdata", (event) => {
  for (const [name, value] of [...event.formData]) if (!value) event.formData.delete(name);
});
