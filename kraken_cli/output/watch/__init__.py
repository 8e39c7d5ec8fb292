"""``krx watch``: live terminal views (book ladder, ticker board, trade tape) redrawn in place.

``views`` draws one frame from records (pure: records and a size in, a rich renderable out);
``screen`` keeps the latest records of a stream and redraws a rich ``Live`` display.
Imported only by ``krx watch``: rich's Live stays off the start-up path of other commands.
"""
