"""Attribution: how each week's conversions are credited to channels.

The click-based models are in :mod:`click_models`, which builds conversion paths with
:mod:`paths` and takes the ``data_driven`` removal effects from :mod:`markov`. The MMM
model moves credit out of the demand-capture pool (:mod:`redistribution`) to Word of
Mouth (:mod:`word_of_mouth`) and to the demand the model in force finds (:mod:`demand`);
:mod:`weekly` does one series, :mod:`tables` all of them.
"""
