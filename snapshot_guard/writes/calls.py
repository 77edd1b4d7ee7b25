"""The calls that write a file, and where their destination is; the calls that upload, copy or move
a file somewhere it is kept; and the calls that only build, test or log a path."""
from __future__ import annotations

import ast
import dataclasses
import re


@dataclasses.dataclass(frozen=True)
class Arg:
    """Where a call takes an argument: a position (None: keyword only) and its keyword names."""

    position: int | None
    keywords: tuple[str, ...]


def arg(position: int | None, *keywords: str) -> Arg:
    return Arg(position, keywords)


def argument(call: ast.Call, where: Arg) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in where.keywords:
            return keyword.value
    if where.position is not None and where.position < len(call.args):
        candidate = call.args[where.position]
        if not any(isinstance(passed, ast.Starred) for passed in call.args[: where.position + 1]):
            return candidate
    return None


# Module functions by qualified name (after import aliases): where their destination path is.
FUNCTIONS: dict[str, Arg] = {
    **dict.fromkeys(("numpy.save", "numpy.savez", "numpy.savez_compressed"), arg(0, "file")),
    "numpy.savetxt": arg(0, "fname"),
    **dict.fromkeys(("torch.save", "torch.jit.save", "onnx.save", "onnx.save_model"), arg(1, "f")),
    "torch.onnx.export": arg(2, "f"),
    **dict.fromkeys(
        ("safetensors.torch.save_file", "safetensors.numpy.save_file"), arg(1, "filename")
    ),
    **dict.fromkeys(("joblib.dump", "sklearn.externals.joblib.dump",
                     "sklearn.externals.joblib.numpy_pickle.dump"), arg(1, "filename")),
    "pandas.to_pickle": arg(1, "filepath_or_buffer"),
    **dict.fromkeys(("matplotlib.pyplot.savefig", "pylab.savefig"), arg(0, "fname")),
    "matplotlib.pyplot.imsave": arg(0, "fname"),
    "tensorflow.saved_model.save": arg(1, "export_dir"),
    **dict.fromkeys(
        ("tensorflow.keras.models.save_model", "keras.models.save_model",
         "keras.saving.save_model", "tensorflow.keras.saving.save_model"),
        arg(1, "filepath"),
    ),
    "xgboost.Booster.save_model": arg(1, "fname"),
    "lightgbm.Booster.save_model": arg(1, "filename"),
    **dict.fromkeys(
        ("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move",
         "distutils.dir_util.copy_tree", "distutils.file_util.copy_file"),
        arg(1, "dst"),
    ),
    "cv2.imwrite": arg(0, "filename"),
    "cv2.VideoWriter": arg(0, "filename"),
    **dict.fromkeys(("imageio.imwrite", "imageio.v2.imwrite", "imageio.v3.imwrite"), arg(0, "uri")),
    "skimage.io.imsave": arg(0, "fname"),
    "scipy.io.savemat": arg(0, "file_name"),
    "soundfile.write": arg(0, "file"),
    "torchaudio.save": arg(0, "uri", "filepath"),
    "torchvision.utils.save_image": arg(1, "fp"),
    "pandas.ExcelWriter": arg(0, "path"),
    **dict.fromkeys(
        ("keras.callbacks.ModelCheckpoint", "tensorflow.keras.callbacks.ModelCheckpoint",
         "keras.callbacks.BackupAndRestore", "tensorflow.keras.callbacks.BackupAndRestore"),
        arg(0, "filepath", "backup_dir"),
    ),
    **dict.fromkeys(
        ("pytorch_lightning.callbacks.ModelCheckpoint", "lightning.pytorch.callbacks.ModelCheckpoint",
         "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint"),
        arg(0, "dirpath"),
    ),
    **dict.fromkeys(("pytorch_lightning.Trainer", "lightning.pytorch.Trainer", "lightning.Trainer",
                     "pytorch_lightning.trainer.Trainer"), arg(None, "default_root_dir")),
    "ray.tune.run": arg(None, "local_dir", "storage_path"),
    **dict.fromkeys(("ray.train.RunConfig", "ray.air.RunConfig", "ray.air.config.RunConfig",
                     "ray.tune.RunConfig"), arg(None, "storage_path", "local_dir")),
    **dict.fromkeys(("keras.callbacks.CSVLogger", "tensorflow.keras.callbacks.CSVLogger"),
                    arg(0, "filename")),
    **dict.fromkeys(("keras.callbacks.TensorBoard", "tensorflow.keras.callbacks.TensorBoard"),
                    arg(0, "log_dir")),
    **dict.fromkeys(
        ("logging.FileHandler", "logging.handlers.RotatingFileHandler",
         "logging.handlers.TimedRotatingFileHandler"),
        arg(0, "filename"),
    ),
    "logging.basicConfig": arg(None, "filename"),
    "torch.utils.tensorboard.SummaryWriter": arg(0, "log_dir"),
    "tensorboardX.SummaryWriter": arg(0, "logdir", "log_dir"),
    "tensorflow.summary.create_file_writer": arg(0, "logdir"),
    "loguru.logger.add": arg(0, "sink"),
    **dict.fromkeys(("pyarrow.parquet.write_table", "pyarrow.orc.write_table"), arg(1, "where")),
    "pyarrow.parquet.write_to_dataset": arg(1, "root_path"),
    "pyarrow.feather.write_feather": arg(1, "dest"),
    "pyarrow.csv.write_csv": arg(1, "output_file"),
    **dict.fromkeys(("plotly.io.write_html", "plotly.io.write_image", "plotly.io.write_json"),
                    arg(1, "file")),
    "plotly.offline.plot": arg(None, "filename"),
    **dict.fromkeys(("matplotlib.backends.backend_pdf.PdfPages",
                     "matplotlib.backends.backend_pgf.PdfPages"), arg(0, "filename")),
    **dict.fromkeys(("imageio.mimsave", "imageio.mimwrite", "imageio.v2.mimsave",
                     "imageio.v2.mimwrite", "imageio.imsave", "imageio.v2.imsave"), arg(0, "uri")),
    "skops.io.dump": arg(1, "file"),
    "omegaconf.OmegaConf.save": arg(1, "f"),
    **dict.fromkeys(("os.rename", "os.replace"), arg(1, "dst")),
    "torch.export.save": arg(1, "f"),
    "tensorflow.io.write_file": arg(0, "filename"),
    "torchvision.io.write_video": arg(0, "filename"),
    **dict.fromkeys(("torchvision.io.write_png", "torchvision.io.write_jpeg",
                     "torchvision.io.write_file"), arg(1, "filename")),
    "sklearn.tree.export_graphviz": arg(1, "out_file"),
    "tensorflow.train.CheckpointManager": arg(1, "directory"),
    **dict.fromkeys(("bokeh.io.output_file", "bokeh.plotting.output_file"), arg(0, "filename")),
    "torch.profiler.tensorboard_trace_handler": arg(0, "dir_name"),
    **dict.fromkeys(("tf2onnx.convert.from_keras", "tf2onnx.convert.from_function",
                     "tf2onnx.convert.from_graph_def", "tf2onnx.convert.from_tflite"),
                    arg(None, "output_path")),
}
CLASS_FAMILIES: dict[str, Arg] = {
    **dict.fromkeys(("lightning.TensorBoardLogger", "lightning.CSVLogger"),
                    arg(0, "save_dir", "root_dir")),
    "lightning.ModelCheckpoint": arg(0, "dirpath"),
    "lightning.Trainer": arg(None, "default_root_dir"),
    "lightning.Fabric": arg(None, "default_root_dir"),
    "keras.ModelCheckpoint": arg(0, "filepath"),
    "keras.BackupAndRestore": arg(0, "backup_dir"),
    "keras.CSVLogger": arg(0, "filename"),
    "keras.TensorBoard": arg(0, "log_dir"),
}
"""Classes a library exports from several modules, by its package and the class's name."""


def family(name: str) -> str:
    """``pytorch_lightning.loggers.csv_logs.CSVLogger`` -> ``lightning.CSVLogger``."""
    parts = name.split(".")
    top = parts[0]
    if top in ("tensorflow", "tf_keras") and "keras" in parts:
        top = "keras"
    elif top == "pytorch_lightning":
        top = "lightning"
    return f"{top}.{parts[-1]}"


def function_writer(name: str) -> Arg | None:
    """Where the module function or class ``name`` (qualified) takes the path it writes."""
    return FUNCTIONS.get(name) or CLASS_FAMILIES.get(family(name))
LOG_WRITERS = frozenset(
    name for name in FUNCTIONS if name.startswith(("logging.", "torch.utils.", "tensorboardX.",
                                                   "tensorflow.summary.", "loguru.",
                                                   "torch.profiler."))
    or name.endswith(("TensorBoard", "CSVLogger"))
)


def writes_logs(name: str) -> bool:
    return name in LOG_WRITERS or family(name).endswith(("Logger", ".TensorBoard"))
MLFLOW_SAVE = {"mlflow.pyfunc.save_model": arg(0, "path")}
"""``mlflow.<flavour>.save_model(model, path)``; pyfunc's takes the path first."""
MLFLOW_FLAVOUR_SAVE = arg(1, "path")

# Openers write only in some modes: (path, mode, default mode).
OPENERS: dict[str, tuple[Arg, Arg, str]] = {
    **dict.fromkeys(("open", "io.open", "codecs.open"), (arg(0, "file"), arg(1, "mode"), "r")),
    **dict.fromkeys(
        ("gzip.open", "bz2.open", "lzma.open"), (arg(0, "filename"), arg(1, "mode"), "rb")
    ),
    "h5py.File": (arg(0, "name"), arg(1, "mode"), "r"),
    "pandas.HDFStore": (arg(0, "path"), arg(1, "mode"), "a"),
    "numpy.memmap": (arg(0, "filename"), arg(2, "mode"), "r"),
    "tables.open_file": (arg(0, "filename"), arg(1, "mode"), "r"),
    "zipfile.ZipFile": (arg(0, "file"), arg(1, "mode"), "r"),
    "tarfile.open": (arg(0, "name"), arg(1, "mode"), "r"),
    **dict.fromkeys(("tensorflow.io.gfile.GFile", "tensorflow.gfile.GFile"),
                    (arg(0, "name"), arg(1, "mode"), "r")),
}
WRITE_MODE = re.compile(r"[wax+]")

# Embedded databases a job opens by a file or folder name: created there unless it exists (then
# the job reads what its snapshot holds) or they open it read-only: (path, the argument that says
# read-only, its read-only value, its default).
DATABASES: dict[str, tuple[Arg, Arg | None, object, object]] = {
    "sqlite3.connect": (arg(0, "database"), None, None, None),
    "duckdb.connect": (arg(0, "database"), arg(None, "read_only"), True, False),
    "shelve.open": (arg(0, "filename"), arg(1, "flag"), "r", "c"),
    "dbm.open": (arg(0, "file"), arg(1, "flag"), "r", "r"),
    "sqlitedict.SqliteDict": (arg(0, "filename"), arg(2, "flag"), "r", "c"),
    "lmdb.open": (arg(0, "path"), arg(None, "readonly"), True, False),
    "diskcache.Cache": (arg(0, "directory"), None, None, None),
    "lancedb.connect": (arg(0, "uri"), None, None, None),
    "chromadb.PersistentClient": (arg(0, "path"), None, None, None),
}
IN_MEMORY = frozenset((":memory:", "", ":memory"))

# Methods of objects (a data frame, a model, a figure): where their destination path is.
METHODS: dict[str, Arg] = {
    **dict.fromkeys(("to_csv", "to_json", "to_hdf"), arg(0, "path_or_buf")),
    **dict.fromkeys(
        ("to_parquet", "to_pickle", "to_feather", "to_stata", "to_orc", "to_netcdf", "to_disk"),
        arg(0, "path"),
    ),
    "to_excel": arg(0, "excel_writer"),
    "to_xml": arg(0, "path_or_buffer"),
    **dict.fromkeys(("to_html", "to_latex", "to_markdown"), arg(0, "buf")),
    **dict.fromkeys(("write_csv", "write_parquet", "write_image", "write_html"), arg(0, "file")),
    "savefig": arg(0, "fname"),
    "save": arg(0, "filepath", "filename", "fp", "path", "file", "fname"),
    "save_weights": arg(0, "filepath"),
    "save_model": arg(0, "fname", "filename", "filepath", "path", "output_dir", "model_path"),
    "save_pretrained": arg(0, "save_directory"),
    "save_vocabulary": arg(0, "save_directory"),
    "save_checkpoint": arg(0, "filepath"),
    "save_state": arg(0, "output_dir"),
    "tofile": arg(0, "fid", "file"),
    "save_word2vec_format": arg(0, "fname"),
    "save_to_disk": arg(0, "dataset_path"),
    "to_json_file": arg(0, "json_file_path"),
    "to_onnx": arg(0, "file_path"),
    "to_file": arg(0, "filename", "path"),
    "to_filename": arg(0, "filename"),
    "to_zarr": arg(0, "store"),
    "dump_model": arg(0, "fout"),
    "export": arg(0, "filepath", "fname", "path", "export_dir"),
    "export_saved_model": arg(0, "export_dir_base"),
}
PREFIX_WRITERS: dict[str, tuple[Arg, str]] = {
    **dict.fromkeys(("sentencepiece.SentencePieceTrainer.train",
                     "sentencepiece.SentencePieceTrainer.Train"),
                    (arg(None, "model_prefix"), ".model")),
}
"""Writers told a prefix of the files they write (``model_prefix="spm"``: ``spm.model``)."""
MOVED_AWAY = frozenset(("shutil.move", "os.rename", "os.replace"))
"""Moves: the source is gone afterwards (the destination is what is written)."""
# A path passed to one of these is uploaded (or, for copy and move, kept elsewhere): not lost.
UPLOADS = frozenset(
    ("log_artifact", "log_artifacts", "upload_file", "upload_files", "upload_folder", "log_image",
     "add_file", "add_dir", "register", "register_model", "upload_blob", "upload_dir",
     "upload_directory")
)
LOGGED_OBJECTS = frozenset(("mlflow.log_image", "mlflow.log_figure", "mlflow.log_text",
                            "mlflow.log_dict", "mlflow.log_table"))
"""They log an object under a name in the run: the name is no local file."""
MOVES: dict[str, Arg] = {
    **dict.fromkeys(
        ("shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.copytree", "shutil.move",
         "distutils.dir_util.copy_tree", "distutils.file_util.copy_file"),
        arg(0, "src"),
    ),
    **dict.fromkeys(("os.rename", "os.replace"), arg(0, "src")),
}
TRIGGERS = (
    "open", "File", "save", "to_", "dump", "copy", "move", "rename", "replace", "imwrite", "imsave",
    "write", "Writer", "tofile", "export", "basicConfig", "log_artifact", "upload_", "log_image",
    "add_file", "add_dir", "log_model", "Checkpoint", "Logger", "TensorBoard", "BackupAndRestore",
    "default_root_dir", "local_dir", "storage_path", "dictConfig", ".add(", "_dir", "dirpath",
    "logdir", "_path=", "_file=", "make_archive", "filename", "PdfPages", "Store", "register",
    "Save", "Write", "Export", "Dump", "directory", "dirname", "path=", "sqlite:", "memmap",
    "output_file", "trace_handler", "sink_", "connect", "shelve", "SqliteDict", "Cache",
    "PersistentClient", "_prefix", "output_path",
)
"""Words on every line that can hold a write, upload or move: a cheap filter before the AST."""

# Calls no table names, recognised by family: a writer's name and a path-like argument.
_WRITER_NAME = re.compile(
    r"(?:save|write|export|dump|to|sink)_\w+|export|dump|imwrite|imsave|mimsave|mimwrite|save[a-z]*"
)
_NOT_WRITERS = frozenset((
    "to_sql", "to_gbq", "to_dict", "to_list", "to_numpy", "to_string", "to_records", "to_frame",
    "to_tensor", "to_device", "to_dense", "to_sparse", "to_pandas", "to_arrow", "to_polars",
    "to_datetime", "to_numeric", "to_timedelta", "to_period", "to_timestamp", "to_dataframe",
    "to_container", "to_yaml", "to_json_string", "to_bytes", "to_str", "to_dlpack", "to_clipboard",
    "save_hyperparameters", "dumps", "write_message", "write_log", "write_summary",
))
PATH_KEYWORD = re.compile(
    r"(?:\A|_)(?:path|file|filename|fname|filepath|dir|directory|dest|destination|uri|fp|fout|where"
    r"|out|output|sink|store)\Z|\Af\Z"
)
"""Keyword names that take the path a writer writes to."""
OUTPUT_KEYWORD = re.compile(
    r"(?:output|out|save|log|logging|export|checkpoint|ckpt|results?|tensorboard|figures?|plots?"
    r"|reports?)_(?:dir|path|file|directory|folder)\Z"
    r"|(?:default_root|storage|local|project|train)_dir\Z"
    r"|(?:dirpath|logdir|save_directory|save_to|to_file|out_file)\Z"
)
"""Keywords that name where any call (a library's trainer, arguments, exporter) puts what it
writes: its output folder or file."""
NOT_OUTPUT_CALLEES = re.compile(
    r"(?:\A|[._])(?:load|read|download|from_|get|open|fetch|update|setdefault|replace|format|copy"
    r"|evolve|merge|create|partial|add_argument|set_defaults|log_|upload|register|init)\w*\Z"
    r"|wandb|Wandb|mlflow|MLFlow|MLflow|comet|Comet|neptune|Neptune|clearml|ClearML",
)
"""Callees whose output keywords are not a local write: readers, setters of settings, trackers
that sync their folder to their own service."""
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,7}\Z")


def writer_family(name: str, function: bool = False) -> bool:
    """A function or method name that says it writes a file (``write_ipc``, ``export``,
    ``save_results``, ``to_file``, ``WriteImage``; a module's own ``write``), unless it is a known
    conversion."""
    if function and name in ("write", "dump"):
        return True  # wavfile.write(path, ...): a file object's write() is a method
    return bool(_WRITER_NAME.fullmatch(name) or _CAMEL_WRITER.fullmatch(name)) \
        and name not in _NOT_WRITERS and not name.startswith(("log_", "upload"))


_CAMEL_WRITER = re.compile(r"(?:Save|Write|Export|Dump)[A-Z]\w*")
OUTPUT_CLASS = re.compile(r"(?=[A-Z])\w*(?:Predictor|Trainer|Tuner|Checkpoint|Saver|Logger|Writer"
                          r"|Recorder|Exporter|Callback|Hyperband|Search|Optimization)\Z")
"""Library classes that write where they are told (a predictor's ``path=``, a tuner's
``directory=``, a checkpoint handler's ``dirname=``)."""
CLASS_OUTPUT_KEYWORD = re.compile(r"(?:path|directory|dirname|workdir|work_dir|folder)\Z")
SQLITE_FILE = re.compile(r"sqlite:///(?!/)")
"""A SQLAlchemy URL of a database file relative to the working directory."""


def looks_like_a_path(shown: str, directory: bool) -> bool:
    """A value a writer of no table takes as its destination: no spaces or format fields, and a
    folder in it or a file extension (``directory``: a keyword says it is a path, a bare name
    will do)."""
    if not shown or any(character.isspace() for character in shown) or "{" in shown \
            or "%" in shown or shown in ("*", "-"):
        return False
    if directory:
        return True
    name = shown.rstrip("/").rsplit("/", 1)[-1]
    return "/" in shown.strip("/") or bool(_EXTENSION.search(name))


def makes_an_archive(name: str) -> bool:
    return name == "shutil.make_archive"


ARCHIVE_SUFFIXES = {"zip": ".zip", "tar": ".tar", "gztar": ".tar.gz", "bztar": ".tar.bz2",
                    "xztar": ".tar.xz"}


PATH_BUILDERS = frozenset((
    "os.path.join", "posixpath.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
    "pathlib.PurePosixPath", "os.getcwd", "pathlib.Path.cwd", "str", "os.fspath", "os.makedirs",
    "os.mkdir", "print", "types.SimpleNamespace", "argparse.Namespace", "dict", "dataclasses.field",
))
INERT_METHODS = frozenset((
    "debug", "info", "warning", "warn", "error", "exception", "critical", "format", "joinpath",
    "with_suffix", "with_name", "resolve", "absolute", "expanduser", "mkdir", "exists", "append",
    "add_argument", "set_defaults",
))
"""Calls that take a path without consuming the file: logging it, building or testing it."""

# Names that mean these modules even where the file does not import them (a snippet, a notebook
# whose import cell did not parse, a star import).
CONVENTIONAL_NAMES = {
    "open": "open", "str": "str", "os": "os", "shutil": "shutil", "torch": "torch", "np": "numpy",
    "numpy": "numpy", "pd": "pandas", "plt": "matplotlib.pyplot", "joblib": "joblib",
    "tf": "tensorflow", "keras": "keras", "mlflow": "mlflow", "cv2": "cv2", "wandb": "wandb",
    "print": "print",
}


def qualified(func: ast.expr, aliases: dict[str, str]) -> str | None:
    """``plt.savefig`` -> ``matplotlib.pyplot.savefig``: the dotted name, through imports; None
    unless the root name is imported, a builtin or a module's conventional name."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    root = aliases.get(node.id)
    if root is None:
        root = CONVENTIONAL_NAMES.get(node.id)
    if not root:
        return None
    return ".".join([root, *reversed(parts)])


def call_label(func: ast.expr) -> str:
    """The call as written: ``torch.save``, ``df.to_csv``, ``(...).write_text``."""
    parts: list[str] = []
    node = func
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif isinstance(node, ast.Call):
        parts.append(call_label(node.func) + "(...)")
    elif parts:
        parts.append("(...)")
    return ".".join(reversed(parts))
