/* Stub of the contamination scan's optional compiled pass (issue #16): the smallest valid module,
 * so that the build, the wheels and the fallback can be tested before the real pass lands.
 * Plain CPython C API, C99, compiles with gcc, clang and MSVC. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *
fastpass_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(1);
}

static PyMethodDef fastpass_methods[] = {
    {"version", fastpass_version, METH_NOARGS, "The version of the compiled pass."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fastpass_module = {
    PyModuleDef_HEAD_INIT, "_fastpass", "Optional compiled pass of the contamination scan.", 0,
    fastpass_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__fastpass(void)
{
    return PyModule_Create(&fastpass_module);
}
