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
    stop("threads: one number (or NULL for one per core)")
  if (is.null(threads)) threads <- parallel::detectCores()
  regimen <- if (is.null(dose)) NULL else
    list(dose = as.character(dose), every = as.character(every), first = as.character(first),
         days = as.numeric(days), doses = as.integer(doses), cmt = as.character(cmt))
  if (!is.null(grid) && !is.character(grid)) grid <- sort(unique(as.numeric(grid)))
  res <- .Call(ldnsim_r_simulate, model$pointer,
               if (is.null(data)) NULL else as.list(data),
               regimen, if (is.null(subjects)) NULL else as.list(subjects),
               grid, if (is.null(columns)) NULL else as.character(columns),
               isTRUE(obs_only), isTRUE(allow_nan),
               if (is.null(seed)) NULL else as.numeric(seed), as.integer(threads),
               list(solver = solver, rtol = as.numeric(rtol), atol = as.numeric(atol),
                    max_steps = as.numeric(max_steps), covariates = covariates))
  res <- .ldn_check(res, call)
  n <- if (length(res)) length(res[[1L]]) else 0L
  attr(res, "subjects") <- NULL
  # A data frame without copying the columns.
  structure(res, class = "data.frame", row.names = .set_row_names(n))
}
