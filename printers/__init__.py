"""Ticket printing without Flask: layout (ticket), raster text (raster, fonts), ESC/POS bytes
(commands), paper preview (render), transports and status (transports, status), and the
background print worker (worker). Import the submodules you need; this package imports nothing."""
