# The R front end: parses R arguments, calls the engine (src/api through src/ldnsim_r.cpp)
# and renders results as data frames. No engine logic lives here.

# Turns the native side's failure value into an R condition of class
# c("ldnsim_<kind>", "ldnsim_error", "error", "condition"), or an interrupt.
.ldn_check <- function(x, call) {
  if (!inherits(x, "ldnsim_failure")) return(x)
  if (identical(x$kind, "interrupt")) {
    cond <- structure(class = c("ldnsim_interrupt", "interrupt", "condition"),
                      list(message = x$message, call = call))
    signalCondition(cond)
    # Not handled: stop the way an interrupt stops R code.
    invokeRestart("abort")
  }
  stop(structure(class = c(paste0("ldnsim_", x$kind), "ldnsim_error", "error", "condition"),
                 list(message = x$message, call = call)))
}

ldn_model <- function(model, engine = c("auto", "native", "interpreter")) {
  engine <- match.arg(engine)
  if (!is.character(model) || length(model) != 1L || is.na(model))
    stop("model: a file path or model text (one string)")
  call <- sys.call()
  ptr <- .ldn_check(.Call(ldnsim_r_model, model, engine), call)
  info <- .ldn_check(.Call(ldnsim_r_model_info, ptr), call)
  structure(c(list(pointer = ptr), info), class = "ldn_model")
}

print.ldn_model <- function(x, ...) {
  cat("ldnsim model ", x$name, " (", x$engine, " code)\n", sep = "")
  cat("  states:     ", paste(x$states, collapse = ", "), "\n", sep = "")
  cat("  outputs:    ", paste(x$outputs, collapse = ", "), "\n", sep = "")
  cat("  parameters: ", paste(x$parameters$name, collapse = ", "), "\n", sep = "")
  invisible(x)
}

ldn_params <- function(model) {
  if (!inherits(model, "ldn_model")) model <- ldn_model(model)
  model$parameters
}

ldn_simulate <- function(model, data = NULL, grid = NULL, columns = NULL, threads = NULL, seed = NULL,
                         obs_only = FALSE, allow_nan = FALSE,
                         dose = NULL, every = "24h", first = "0:00", days = 0, doses = 0L, cmt = "",
                         subjects = NULL,
                         solver = "auto", rtol = 1e-6, atol = 1e-9, max_steps = 1e6, covariates = "nocb") {
  call <- sys.call()
  if (!inherits(model, "ldn_model")) model <- ldn_model(model)
  if (is.null(data) == is.null(dose))
    stop(structure(class = c("ldnsim_usage_error", "ldnsim_error", "error", "condition"),
                   list(message = "give either data (a NONMEM data frame) or a regimen (dose = \"4.5mg\", ...), not both or neither",
                        call = call)))
  if (!is.null(data) && !is.data.frame(data) && !is.list(data))
    stop("data: a data frame (NONMEM columns: ID, TIME, EVID, AMT, CMT, ...)")
  if (!is.null(threads) && (!is.numeric(threads) || length(threads) != 1L || is.na(threads)))
    stop("threads: one number (or NULL or 0 for one per core)")
  if (is.null(threads)) threads <- 0
  regimen <- if (is.null(dose)) NULL else
    list(dose = as.character(dose), every = as.character(every), first = as.character(first),
         days = as.numeric(days), doses = as.integer(doses), cmt = as.character(cmt))
  if (!is.null(grid) && !is.character(grid)) grid <- sort(unique(as.numeric(grid)))
  res <- .Call(ldnsim_r_simulate, model$pointer,
               if (is.null(data)) NULL else as.list(data),
               regimen, if (is.null(subjects)) NULL else as.list(subjects),
               grid, if (is.null(columns)) NULL else as.character(columns),
               isTRUE(obs_only), isTRUE(allow_nan),
               if (is.null(seed)) NULL else as.numeric(seed), as.numeric(threads),
               list(solver = solver, rtol = as.numeric(rtol), atol = as.numeric(atol),
                    max_steps = as.numeric(max_steps), covariates = covariates))
  res <- .ldn_check(res, call)
  n <- if (length(res)) length(res[[1L]]) else 0L
  attr(res, "subjects") <- NULL
  # A data frame without copying the columns.
  structure(res, class = "data.frame", row.names = .set_row_names(n))
}

# The science commands: `ldnsim COMMAND ... --json` run in R's process (src/api/commands.cpp),
# the command line's options, defaults, checks and messages; the JSON document comes back
# as R lists, vectors and data frames (jsonlite::fromJSON). An argument left NULL (or FALSE
# for a flag) is not passed, so the command's own default applies.

# One option's text: numbers in the shortest form that reads back as the same double.
.ldn_text <- function(x) {
  if (is.character(x)) return(x)
  if (is.logical(x)) return(ifelse(x, "true", "false"))
  vapply(as.numeric(x), function(v) {
    s <- sprintf("%.15g", v)
    if (!identical(as.numeric(s), v)) s <- sprintf("%.17g", v)
    s
  }, "")
}

# Options as the command line takes them: list("--seed" = 7, "--base" = TRUE, "--set" =
# c("A=1", "B=2")) -> c("--seed", "7", "--base", "--set", "A=1", "--set", "B=2").
.ldn_options <- function(options) {
  out <- character()
  for (name in names(options)) {
    v <- options[[name]]
    if (is.null(v) || identical(v, FALSE)) next
    if (isTRUE(v)) {
      out <- c(out, name)
      next
    }
    if (length(v) == 0L || anyNA(v)) stop(sprintf("%s: a value, not NA or empty", name), call. = FALSE)
    for (x in .ldn_text(v)) out <- c(out, name, x)
  }
  out
}

# A list as one comma-separated option value (--compare, --missed, --n).
.ldn_list <- function(x) if (is.null(x)) NULL else paste(.ldn_text(x), collapse = ",")

# NAME=VALUE settings from a named vector or list (c(KEO = 1)) or from "NAME=VALUE" texts.
.ldn_settings <- function(x) {
  if (is.null(x)) return(NULL)
  if (!is.null(names(x)) && all(nzchar(names(x))))
    return(paste0(names(x), "=", vapply(x, .ldn_text, "")))
  as.character(x)
}

.ldn_command <- function(command, arguments, options, progress, call) {
  args <- c(command, vapply(arguments, .ldn_text, ""), .ldn_options(options), if (!isTRUE(progress)) "--quiet")
  text <- .ldn_check(.Call(ldnsim_r_command, args), call)
  jsonlite::fromJSON(text, simplifyVector = TRUE, simplifyDataFrame = TRUE, simplifyMatrix = FALSE)
}

ldn_dose <- function(dose, compare = NULL, at = NULL, every = NULL, days = NULL, missed = NULL, base = FALSE,
                     model = NULL, weight = NULL, cirrhosis = FALSE, set = NULL, uncertainty = NULL, seed = NULL,
                     prior_only = FALSE, step = NULL, threads = NULL, progress = FALSE) {
  .ldn_command("dose", list(dose),
               list("--compare" = .ldn_list(compare), "--at" = at, "--every" = every, "--days" = days,
                    "--missed" = .ldn_list(missed), "--base" = base, "--model" = model, "--weight" = weight,
                    "--cirrhosis" = cirrhosis, "--set" = .ldn_settings(set), "--uncertainty" = uncertainty,
                    "--seed" = seed, "--prior-only" = prior_only, "--step" = step, "--threads" = threads),
               progress, sys.call())
}

ldn_trial <- function(spec, replicates = NULL, seed = NULL, threads = NULL, solver = NULL, rtol = NULL, atol = NULL,
                      progress = FALSE) {
  .ldn_command("trial", list(spec),
               list("--replicates" = replicates, "--seed" = seed, "--threads" = threads, "--solver" = solver,
                    "--rtol" = rtol, "--atol" = atol),
               progress, sys.call())
}

ldn_reproduce <- function(spec = NULL, replicates = NULL, seed = NULL, threads = NULL, progress = FALSE) {
  .ldn_command("reproduce", list(),
               list("--spec" = spec, "--replicates" = replicates, "--seed" = seed, "--threads" = threads,
                    "--no-report" = TRUE),
               progress, sys.call())
}

ldn_claims <- function(ids = NULL, file = NULL, replicates = NULL, samples = NULL, seed = NULL, threads = NULL,
                       progress = FALSE) {
  .ldn_command("claims", as.list(as.character(ids)),
               list("--file" = file, "--replicates" = replicates, "--samples" = samples, "--seed" = seed,
                    "--threads" = threads),
               progress, sys.call())
}

ldn_power <- function(spec, n = NULL, effect_from = NULL, effect = NULL, set = NULL, better = NULL, endpoint = NULL,
                      replicates = NULL, draws = NULL, draw_replicates = NULL, seed = NULL, threads = NULL,
                      progress = FALSE) {
  .ldn_command("power", list(spec),
               list("--n" = if (is.character(n)) n else .ldn_list(n), "--effect-from" = effect_from,
                    "--effect" = .ldn_list(effect), "--set" = .ldn_settings(set), "--better" = better,
                    "--endpoint" = endpoint, "--replicates" = replicates, "--draws" = draws,
                    "--draw-replicates" = draw_replicates, "--seed" = seed, "--threads" = threads),
               progress, sys.call())
}
